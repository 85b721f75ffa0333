// How the noise kernels' hot loops read their constants. V8 (x64) rebuilds a v128.const from general
// registers on every use, three instructions each time, and binaryen folds a constant kept in a local back
// into its uses; a load-and-splat of a value in static memory is one instruction (vbroadcastss). So a
// kernel declares a constant as `const C = memory.data<f32>([x])` (or <i32>) and reads it as `lanes(C)`.

/** The 4-byte constant at `at` in all four lanes. */
@inline
export function lanes(at: usize): v128 {
  return v128.load32_splat(at);
}
