/**
 * Size formulas, as in problem-reductions' declared overhead ("num_vertices = 3 * num_clauses"):
 * a formula is a string over named parameters, shown to users as written and evaluated exactly
 * the same way by the generic tests (declared = measured).
 *
 * Grammar: expr := term (('+'|'-') term)* ; term := power (('*'|'/') power)* ;
 *          power := unary ('^' power)? ; unary := '-' unary | atom ;
 *          atom := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 * Functions: ceil, floor, log2, max, min.
 */
export type Params = Readonly<Record<string, number>>;

const FUNCTIONS: Record<string, (...xs: number[]) => number> = {
  ceil: Math.ceil,
  floor: Math.floor,
  log2: Math.log2,
  max: Math.max,
  min: Math.min,
};

export function evalFormula(formula: string, params: Params): number {
  const tokens = formula.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/^(),]|\S/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string => {
    const t = tokens[pos++];
    if (t === undefined || (expected !== undefined && t !== expected)) {
      throw new SyntaxError(`formula "${formula}": expected ${expected ?? 'more input'}, found ${t ?? 'end'}`);
    }
    return t;
  };
  const expr = (): number => {
    let v = term();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/') v = take() === '*' ? v * power() : v / power();
    return v;
  };
  const power = (): number => {
    const base = unary();
    if (peek() === '^') {
      take('^');
      return base ** power();
    }
    return base;
  };
  const unary = (): number => (peek() === '-' ? (take('-'), -unary()) : atom());
  const atom = (): number => {
    const t = take();
    if (t === '(') {
      const v = expr();
      take(')');
      return v;
    }
    if (/^\d/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        const f = FUNCTIONS[t];
        if (!f) throw new SyntaxError(`formula "${formula}": unknown function ${t}`);
        take('(');
        const args = [expr()];
        while (peek() === ',') {
          take(',');
          args.push(expr());
        }
        take(')');
        return f(...args);
      }
      const v = params[t];
      if (v === undefined) throw new SyntaxError(`formula "${formula}": unknown parameter ${t}`);
      return v;
    }
    throw new SyntaxError(`formula "${formula}": unexpected ${t}`);
  };
  const v = expr();
  if (pos !== tokens.length) throw new SyntaxError(`formula "${formula}": unexpected ${tokens[pos]}`);
  return v;
}

export function evalOverhead(overhead: Readonly<Record<string, string>>, params: Params): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, f] of Object.entries(overhead)) out[k] = evalFormula(f, params);
  return out;
}
