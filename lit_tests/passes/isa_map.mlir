// RUN: xdsl-opt -p 'isa-map{target=ipu-mk2}' %s | filecheck %s --check-prefix=IPU
// RUN: xdsl-opt -p 'isa-map{target=tt-like}' %s | filecheck %s --check-prefix=TT
// RUN: xdsl-opt -p 'isa-map{target=ipu-mk2 strategy=greedy}' %s | filecheck %s --check-prefix=GREEDY
// RUN: xdsl-opt -p 'isa-map{target=ipu-mk2 strategy=ranked}' %s | filecheck %s --check-prefix=IPU
// RUN: xdsl-opt -p 'isa-map{target=ipu-mk2}' %s | xdsl-opt | filecheck %s --check-prefix=IPU

// isa-map on linalg: each op is one sub-operator (nothing is partitioned yet). Every op gets
// the fastest legal mapping of its kernel onto the target's instruction templates
// (`tf.instruction`) and the share of the unit's work spent on padding (`tf.padding_waste`).
// ipu-mk2: AMP `out[m, n] += a[m, k] * b[k, n]` (blocks 6 x 16 x 16 fp16 / 8 fp32), a vector
// path (any body; an FMA streaming one operand). tt-like: a 32x32-tile matrix engine, the
// same FPU on elementwise add/sub/mul tiles (1,024 lanes), a 32-lane SFPU for anything else.
// The ranked strategy finds the same mappings as exhaustive here; greedy does not (conv_deep).

// A matmul: both inputs broadcast along the output (A lacks n, B lacks m): only the matrix
// templates unify; fp16 inputs accumulate in f32, the AMP runs at the fp16 rate.
// IPU-LABEL: func.func @matmul
// IPU:         tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, k]>, tf.padding_waste = 3.030000e-02
// TT-LABEL:  func.func @matmul
// TT:          tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, k]>, tf.padding_waste = 0.000000e+00
// GREEDY-LABEL: func.func @matmul
// GREEDY:       roles = [m, n, k]>
func.func @matmul(%a: tensor<64x128xf16>, %b: tensor<128x32xf16>, %init: tensor<64x32xf32>) -> tensor<64x32xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x128xf16>, tensor<128x32xf16>) outs(%init : tensor<64x32xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  func.return %r : tensor<64x32xf32>
}

// Implicit GEMM, window dims folded into K: m = (n, oh, ow), n = f, k = (c, kh, kw). With
// 3 input channels, k = c alone would fill 3 of each 8-long AMP k-block at each of the 9
// kernel positions; packing the 27-long window rows first (im2col) is cheaper: 4,490 cycles
// against 6,632 for the best mapping that loops a kernel dim.
// IPU-LABEL: func.func @conv_first
// IPU:         tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>, tf.padding_waste = 1.818000e-01
// TT-LABEL:  func.func @conv_first
// TT:          tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
// GREEDY-LABEL: func.func @conv_first
// GREEDY:       roles = [m, n, m, m, k, k, k]>
func.func @conv_first(%inp: tensor<1x3x10x10xf32>, %wt: tensor<16x3x3x3xf32>, %init: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%inp, %wt : tensor<1x3x10x10xf32>, tensor<16x3x3x3xf32>) outs(%init : tensor<1x16x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x16x8x8xf32>
  func.return %c : tensor<1x16x8x8xf32>
}

// 64 input channels fill the AMP's k-blocks, so on ipu-mk2 the kernel rows and columns are
// looped around the instruction (k = c: the input is a plain strided view, nothing packed),
// 27,990 cycles against 28,206 with im2col. tt-like's 32-wide k-tiles and cheaper packing
// make it fold the window instead. Greedy starts from the folded mapping and stays there:
// looping one kernel dim alone still packs the other window, so no single step helps.
// IPU-LABEL: func.func @conv_deep
// IPU:         tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, loop, loop]>
// TT-LABEL:  func.func @conv_deep
// TT:          tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
// GREEDY-LABEL: func.func @conv_deep
// GREEDY:       tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
func.func @conv_deep(%inp: tensor<1x64x4x6xf32>, %wt: tensor<16x64x3x3xf32>, %init: tensor<1x16x2x4xf32>) -> tensor<1x16x2x4xf32> {
  %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%inp, %wt : tensor<1x64x4x6xf32>, tensor<16x64x3x3xf32>) outs(%init : tensor<1x16x2x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x16x2x4xf32>
  func.return %c : tensor<1x16x2x4xf32>
}

// A depthwise-separable block. The depthwise conv's channel d1 indexes input, weights and
// output, so on a matrix unit it can only be looped (n = 1); the vector FMA
// `out[e] += a[e] * b[e?]` takes it with the weights broadcast: 9,516 cycles against 68,808
// on the AMP. The pointwise (1x1) conv becomes a GEMM, k = c (kh = kw = 1). On tt-like the
// depthwise part runs on the FPU's elementwise tiles.
// IPU-LABEL: func.func @separable
// IPU:         tf.instruction = #isa.mapping<unit = "vector", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>, tf.padding_waste = 0.000000e+00
// IPU:         tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
// TT-LABEL:  func.func @separable
// TT:          tf.instruction = #isa.mapping<unit = "fpu-eltwise", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>
// TT:          tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
// GREEDY-LABEL: func.func @separable
// GREEDY:       unit = "vector", template = 1
func.func @separable(%inp: tensor<1x32x10x10xf32>, %dw: tensor<32x3x3xf32>, %pw: tensor<64x32x1x1xf32>, %i1: tensor<1x32x8x8xf32>, %i2: tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32> {
  %d = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%inp, %dw : tensor<1x32x10x10xf32>, tensor<32x3x3xf32>) outs(%i1 : tensor<1x32x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32x8x8xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%d, %pw : tensor<1x32x8x8xf32>, tensor<64x32x1x1xf32>) outs(%i2 : tensor<1x64x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x64x8x8xf32>
  func.return %c : tensor<1x64x8x8xf32>
}

// Elementwise: the vector path on ipu-mk2; on tt-like the bias add runs on the FPU's tiles
// and the ReLU (maximumf is not an FPU tile op) on the SFPU.
// IPU-LABEL: func.func @bias_relu
// IPU:         tf.instruction = #isa.mapping<unit = "vector", template = 0, inputs = [0, 1], roles = [e, e]>
// IPU:         tf.instruction = #isa.mapping<unit = "vector", template = 0, inputs = [0], roles = [e, e]>
// TT-LABEL:  func.func @bias_relu
// TT:          tf.instruction = #isa.mapping<unit = "fpu-eltwise", template = 0, inputs = [0, 1], roles = [e, e]>
// TT:          tf.instruction = #isa.mapping<unit = "sfpu", template = 0, inputs = [0], roles = [e, e]>
func.func @bias_relu(%x: tensor<64x256xf32>, %bias: tensor<256xf32>, %e: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %bias : tensor<64x256xf32>, tensor<256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<64x256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%p: f32, %o: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %s = arith.maximumf %p, %zero : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  func.return %r : tensor<64x256xf32>
}
