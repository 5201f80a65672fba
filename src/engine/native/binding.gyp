{
  # The native engine's addon (src/engine/native/engine.ts loads build/Release/seth_native.node).
  # Built by scripts/build-native.mjs at npm install; a failed build leaves the wasm engine as default.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wno-maybe-uninitialized", "-Wno-uninitialized"],
    "cflags": ["-fPIC"]
  },
  "targets": [
    {
      "target_name": "seth_native",
      "sources": ["addon.cc"],
      "conditions": [["target_arch=='x64'", { "dependencies": ["kernels_avx2", "kernels_avx512"] }]]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "kernels_avx2",
          "type": "static_library",
          "sources": ["kernel-avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"]
        },
        {
          "target_name": "kernels_avx512",
          "type": "static_library",
          "sources": ["kernel-avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mfma"]
        }
      ]
    }]
  ]
}
