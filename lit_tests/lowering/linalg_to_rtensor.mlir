// RUN: xdsl-opt %s -p 'linalg-to-rtensor{target=ipu-mk2}' | filecheck %s

// linalg-to-rtensor on small functions in the form torch-mlir emits after the cleanup passes
// (fills with no scalar `ins`). Each linalg.generic becomes an rtensor.compute carrying the
// plan the cost model chose for ipu-mk2 (1472 cores); re-layouts between a producer's output
// layout and its consumer's input layout become rtensor.relayout ops. A constant fill is
// planned but never re-laid out: every consumer re-materialises it in the layout it wants.

// CHECK: builtin.module attributes {tf.target = "ipu-mk2"} {

// (1) A 512x1024x1024 f16 matmul: m split 2 ways, n 64 ways, k 11 ways (1408 cores; the
//     k blocks are padded to 94, which a multiply-accumulate tolerates), nothing rotates.
// CHECK-LABEL: func.func @matmul_f16(%arg0: tensor<512x1024xf16>, %arg1: tensor<1024x1024xf16>) -> tensor<512x1024xf16> {
// CHECK-NEXT:    %[[EMPTY:.*]] = tensor.empty() : tensor<512x1024xf16>
// CHECK-NEXT:    %[[FILL:.*]] = rtensor.compute plan <spatial = [64, 23], temporal = {{\[\[}}1, 1]]> outs(%[[EMPTY]] : tensor<512x1024xf16>) attributes {tf.op = "elementwise1", indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], predicted_cycles = #builtin.int<380>} {
// CHECK-NEXT:    ^bb0(%{{.*}}: f16):
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK-NEXT:      linalg.yield %[[ZERO]] : f16
// CHECK-NEXT:    } -> tensor<512x1024xf16>
// CHECK-NEXT:    %[[MM:.*]] = rtensor.compute plan <spatial = [2, 64, 11], temporal = {{\[\[}}1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%arg0, %arg1 : tensor<512x1024xf16>, tensor<1024x1024xf16>) outs(%[[FILL]] : tensor<512x1024xf16>) attributes {tf.op = "contraction2", tf.plans_evaluated = 253871 : i64, tf.pareto_size = 47 : i64, tf.hot_bytes = 5.932800e+04 : f64, tf.cold_bytes = 5.113600e+04 : f64, tf.roofline_compute = 5.698800e+03 : f64, tf.roofline_link = 7.778200e+03 : f64, indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], predicted_cycles = #builtin.int<14385>} {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f16, %[[Y:.*]]: f16, %[[ACC:.*]]: f16):
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f16
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f16
// CHECK-NEXT:      linalg.yield %[[S]] : f16
// CHECK-NEXT:    } -> tensor<512x1024xf16>
// CHECK-NEXT:    func.return %[[MM]] : tensor<512x1024xf16>
// CHECK-NEXT:  }

// (2) matmul (m 16, n 11, k 8 ways: 1408 cores), then bias add and relu on all 1472 cores
//     ([64, 23]). The matmul output lives on a 3-D grid (replicated over the k cores) that no
//     2-D elementwise plan can match, so the bias add starts with a relayout; the relu takes
//     the bias add's layout as is: no relayout between them, none for the zero fill and none
//     for the bias vector (a function argument, scattered directly in the wanted layout).
// CHECK-LABEL: func.func @linear_bias_relu(%arg0: tensor<256x512xf32>, %arg1: tensor<512x1024xf32>, %arg2: tensor<1024xf32>) -> tensor<256x1024xf32> {
// CHECK-NOT:     rtensor.relayout
// CHECK:         %[[FILL:.*]] = rtensor.compute plan <spatial = [64, 23], temporal = {{\[\[}}1, 1]]> outs(%{{.*}} : tensor<256x1024xf32>) attributes {tf.op = "elementwise2",
// CHECK-NOT:     rtensor.relayout
// CHECK:         %[[MM:.*]] = rtensor.compute plan <spatial = [16, 11, 8], temporal = {{\[\[}}1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%arg0, %arg1 : tensor<256x512xf32>, tensor<512x1024xf32>) outs(%[[FILL]] : tensor<256x1024xf32>) attributes {tf.op = "contraction3", {{.*}} predicted_cycles = #builtin.int<11673>} {
// CHECK-NOT:     rtensor.relayout
// CHECK:         } -> tensor<256x1024xf32>
// CHECK-NEXT:    %[[R:.*]] = rtensor.relayout %[[MM]] from <grid = [16, 11, 8], axes = [0, 1], blocks = [16, 94], parts = [1, 1]> to <grid = [64, 23], axes = [0, 1], blocks = [4, 45], parts = [1, 1]> {tf.op = "elementwise4"} : tensor<256x1024xf32> -> tensor<256x1024xf32>
// CHECK-NEXT:    %[[BIAS:.*]] = rtensor.compute plan <spatial = [64, 23], temporal = {{\[\[}}1, 1], [1, 1], [1, 1]]> ins(%[[R]], %arg2 : tensor<256x1024xf32>, tensor<1024xf32>) outs(%{{.*}} : tensor<256x1024xf32>) attributes {tf.op = "elementwise4", tf.plans_evaluated = 4394 : i64, tf.pareto_size = 2 : i64, tf.hot_bytes = 1.620000e+03 : f64, tf.cold_bytes = 1.800000e+02 : f64, tf.roofline_compute = 8.900000e+01 : f64, tf.roofline_link = 0.000000e+00 : f64, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], predicted_cycles = #builtin.int<1335>} {
// CHECK-NOT:     rtensor.relayout
// CHECK:         } -> tensor<256x1024xf32>
// CHECK-NEXT:    %[[RELU:.*]] = rtensor.compute plan <spatial = [64, 23], temporal = {{\[\[}}1, 1], [1, 1]]> ins(%[[BIAS]] : tensor<256x1024xf32>) outs(%{{.*}} : tensor<256x1024xf32>) attributes {tf.op = "elementwise5", tf.plans_evaluated = 1449 : i64, tf.pareto_size = 1 : i64, tf.hot_bytes = 1.440000e+03 : f64, tf.cold_bytes = 0.000000e+00 : f64, tf.roofline_compute = 8.900000e+01 : f64, tf.roofline_link = 0.000000e+00 : f64, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], predicted_cycles = #builtin.int<290>} {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[GT:.*]] = arith.cmpf ugt, %[[V]], %[[C0:.*]] : f32
// CHECK-NEXT:      %[[SEL:.*]] = arith.select %[[GT]], %[[V]], %[[C0]] : f32
// CHECK-NEXT:      linalg.yield %[[SEL]] : f32
// CHECK-NEXT:    } -> tensor<256x1024xf32>
// CHECK-NEXT:    func.return %[[RELU]] : tensor<256x1024xf32>
// CHECK-NEXT:  }

// (3) Row max into tensor<1024x1xf32> (output map (d0, d1) -> (d0, 0)): one row per core on
//     1024 cores; the reduction dim stays whole (splitting it would cost an all-reduce and
//     rows cannot be split further than 1024 ways).
// CHECK-LABEL: func.func @row_max(%arg0: tensor<1024x512xf32>) -> tensor<1024x1xf32> {
// CHECK:         %[[FILL:.*]] = rtensor.compute plan <spatial = [1024, 1], temporal = {{\[\[}}1, 1]]> outs(%{{.*}} : tensor<1024x1xf32>)
// CHECK:           %[[NEGINF:.*]] = arith.constant 0xff800000 : f32
// CHECK:         %[[MAX:.*]] = rtensor.compute plan <spatial = [1024, 1], temporal = {{\[\[}}1, 1], [1, 1]]> ins(%arg0 : tensor<1024x512xf32>) outs(%[[FILL]] : tensor<1024x1xf32>) attributes {tf.op = "reduction2", tf.plans_evaluated = 378 : i64, tf.pareto_size = 2 : i64, tf.hot_bytes = 2.052000e+03 : f64, tf.cold_bytes = 2.048000e+03 : f64, tf.roofline_compute = 1.781000e+02 : f64, tf.roofline_link = 0.000000e+00 : f64, indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterator_types = ["parallel", "reduction"], predicted_cycles = #builtin.int<456>} {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32):
// CHECK-NEXT:      %[[R:.*]] = arith.maximumf %[[X]], %[[M]] : f32
// CHECK-NEXT:      linalg.yield %[[R]] : f32
// CHECK-NEXT:    } -> tensor<1024x1xf32>
// CHECK-NEXT:    func.return %[[MAX]] : tensor<1024x1xf32>
// CHECK-NEXT:  }
// CHECK-NOT:   rtensor.relayout

#fill = affine_map<(d0, d1) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#acc = affine_map<(d0, d1, d2) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
"builtin.module"() ({
  // (1) C[512x1024] = A[512x1024] * B[1024x1024] in f16, accumulating into a zero fill.
  "func.func"() <{function_type = (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16>, sym_name = "matmul_f16"}> ({
  ^bb0(%arg0: tensor<512x1024xf16>, %arg1: tensor<1024x1024xf16>):
    %0 = "tensor.empty"() : () -> tensor<512x1024xf16>
    %1 = "linalg.generic"(%0) <{indexing_maps = [#fill], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 0, 1>}> ({
    ^bb0(%arg2: f16):
      %cst = "arith.constant"() <{value = 0.000000e+00 : f16}> : () -> f16
      "linalg.yield"(%cst) : (f16) -> ()
    }) : (tensor<512x1024xf16>) -> tensor<512x1024xf16>
    %2 = "linalg.generic"(%arg0, %arg1, %1) <{indexing_maps = [#lhs, #rhs, #acc], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg3: f16, %arg4: f16, %arg5: f16):
      %3 = "arith.mulf"(%arg3, %arg4) <{fastmath = #arith.fastmath<none>}> : (f16, f16) -> f16
      %4 = "arith.addf"(%arg5, %3) <{fastmath = #arith.fastmath<none>}> : (f16, f16) -> f16
      "linalg.yield"(%4) : (f16) -> ()
    }) : (tensor<512x1024xf16>, tensor<1024x1024xf16>, tensor<512x1024xf16>) -> tensor<512x1024xf16>
    "func.return"(%2) : (tensor<512x1024xf16>) -> ()
  }) : () -> ()

  // (2) relu(X[256x512] * W[512x1024] + b[1024]) in f32.
  "func.func"() <{function_type = (tensor<256x512xf32>, tensor<512x1024xf32>, tensor<1024xf32>) -> tensor<256x1024xf32>, sym_name = "linear_bias_relu"}> ({
  ^bb0(%arg0: tensor<256x512xf32>, %arg1: tensor<512x1024xf32>, %arg2: tensor<1024xf32>):
    %0 = "arith.constant"() <{value = 0.000000e+00 : f32}> : () -> f32
    %1 = "tensor.empty"() : () -> tensor<256x1024xf32>
    %2 = "linalg.generic"(%1) <{indexing_maps = [#fill], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 0, 1>}> ({
    ^bb0(%arg3: f32):
      %cst = "arith.constant"() <{value = 0.000000e+00 : f32}> : () -> f32
      "linalg.yield"(%cst) : (f32) -> ()
    }) : (tensor<256x1024xf32>) -> tensor<256x1024xf32>
    %3 = "linalg.generic"(%arg0, %arg1, %2) <{indexing_maps = [#lhs, #rhs, #acc], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg4: f32, %arg5: f32, %arg6: f32):
      %7 = "arith.mulf"(%arg4, %arg5) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      %8 = "arith.addf"(%arg6, %7) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%8) : (f32) -> ()
    }) : (tensor<256x512xf32>, tensor<512x1024xf32>, tensor<256x1024xf32>) -> tensor<256x1024xf32>
    %4 = "linalg.generic"(%3, %arg2, %1) <{indexing_maps = [#id2, #bias, #id2], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg7: f32, %arg8: f32, %arg9: f32):
      %9 = "arith.addf"(%arg7, %arg8) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%9) : (f32) -> ()
    }) : (tensor<256x1024xf32>, tensor<1024xf32>, tensor<256x1024xf32>) -> tensor<256x1024xf32>
    %5 = "linalg.generic"(%4, %1) <{indexing_maps = [#id2, #id2], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg10: f32, %arg11: f32):
      %10 = "arith.cmpf"(%arg10, %0) <{fastmath = #arith.fastmath<none>, predicate = 9 : i64}> : (f32, f32) -> i1
      %11 = "arith.select"(%10, %arg10, %0) : (i1, f32, f32) -> f32
      "linalg.yield"(%11) : (f32) -> ()
    }) : (tensor<256x1024xf32>, tensor<256x1024xf32>) -> tensor<256x1024xf32>
    "func.return"(%5) : (tensor<256x1024xf32>) -> ()
  }) : () -> ()

  // (3) softmax's row max: M[1024x1] = max over d1 of X[1024x512], from a -inf fill.
  "func.func"() <{function_type = (tensor<1024x512xf32>) -> tensor<1024x1xf32>, sym_name = "row_max"}> ({
  ^bb0(%arg0: tensor<1024x512xf32>):
    %0 = "tensor.empty"() : () -> tensor<1024x1xf32>
    %1 = "linalg.generic"(%0) <{indexing_maps = [#fill], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 0, 1>}> ({
    ^bb0(%arg1: f32):
      %cst = "arith.constant"() <{value = 0xFF800000 : f32}> : () -> f32
      "linalg.yield"(%cst) : (f32) -> ()
    }) : (tensor<1024x1xf32>) -> tensor<1024x1xf32>
    %2 = "linalg.generic"(%arg0, %1) <{indexing_maps = [#id2, #row], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg2: f32, %arg3: f32):
      %3 = "arith.maximumf"(%arg2, %arg3) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%3) : (f32) -> ()
    }) : (tensor<1024x512xf32>, tensor<1024x1xf32>) -> tensor<1024x1xf32>
    "func.return"(%2) : (tensor<1024x1xf32>) -> ()
  }) : () -> ()
}) : () -> ()
