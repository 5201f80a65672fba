/** `--via a,b` as a list of reduction ids. */
export function viaOf(via: string | undefined): string[] {
  return via !== undefined && via.length > 0 ? via.split(',').map((s) => s.trim()) : [];
}
