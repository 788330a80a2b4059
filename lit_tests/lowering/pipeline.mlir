// RUN: xdsl-opt %s -p 'fold-scalar-operands,drop-dead-outputs,fold-unit-reshapes,linalg-to-rtensor{target=ipu-mk2},rtensor-to-dataflow' | filecheck %s
// RUN: xdsl-opt %s -p 'fold-scalar-operands,drop-dead-outputs,fold-unit-reshapes,linalg-to-rtensor{target=ipu-mk2},rtensor-to-dataflow' > %t
// RUN: filecheck %s --check-prefix=COMPUTE < %t
// RUN: filecheck %s --check-prefix=ALLOC < %t
// RUN: filecheck %s --check-prefix=FREE < %t
// RUN: filecheck %s --check-prefix=FILL < %t
// RUN: filecheck %s --check-prefix=SCATTER < %t
// RUN: filecheck %s --check-prefix=EXCHANGE < %t
// RUN: filecheck %s --check-prefix=LEFT < %t

// The whole compile pipeline on the torch-mlir output of a small MLP (tests/data/mlp_linalg.mlir:
// matmul, bias, relu, matmul, softmax with an argmax-style max whose index output is dead).
// The first RUN checks the program's shape operator by operator (its plan, loop box and
// the data movement around it); the others count every kind of dataflow op.

// CHECK:      builtin.module attributes {tf.target = "ipu-mk2"} {
// CHECK-NEXT:   func.func @mlp(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<12xf32>, %arg3: tensor<12x6xf32>) -> tensor<8x6xf32> {
// CHECK-NOT:      linalg.generic
// CHECK-NOT:      rtensor.
//                 matmul 1: one output element per core on an 8x12 grid (the matrix unit's
//                 fixed costs make the smallest sub-operator the fastest); its zero fill
//                 is materialised in place
// CHECK:          dataflow.scatter %arg0
// CHECK:          dataflow.scatter %arg1
// CHECK:          dataflow.fill %[[H:.*]] value 0.000000e+00 : f32 {tf.op = "contraction3"} : !dataflow.buffer<grid [8, 12], local [1, 1], f32>
// CHECK-NEXT:     dataflow.compute ins(%{{.*}}, %{{.*}} : !dataflow.buffer<grid [8, 12], local [1, 16], f32>, !dataflow.buffer<grid [8, 12], local [16, 1], f32>) outs(%[[H]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>) sizes array<i64: 1, 1, 16> attributes {tf.op = "contraction3", tf.plan = "F=8x12x1",
//                 bias add and relu stay in matmul 1's layout: no exchange
// CHECK-NOT:      dataflow.exchange
// CHECK:          dataflow.scatter %arg2
// CHECK:          dataflow.compute ins(%[[H]], %{{.*}} : !dataflow.buffer<grid [8, 12], local [1, 1], f32>, !dataflow.buffer<grid [8, 12], local [1], f32>) outs(%[[B:.*]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>) sizes array<i64: 1, 1> attributes {tf.op = "elementwise4", tf.plan = "F=8x12",
// CHECK-NOT:      dataflow.exchange
// CHECK:          dataflow.compute ins(%[[B]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>) outs(%[[R:.*]] : !dataflow.buffer<grid [8, 12], local [1, 1], f32>) sizes array<i64: 1, 1> attributes {tf.op = "elementwise5", tf.plan = "F=8x12",
//                 matmul 2 (one row per core, k = 12 whole) gathers the relu's rows: the
//                 only re-layout, since the whole-model choice puts the softmax on the same
//                 8-core row layout
// CHECK:          %[[A2:.*]] = dataflow.alloc {tf.op = "contraction8"} : !dataflow.buffer<grid [8], local [1, 12], f32>
// CHECK-NEXT:     dataflow.exchange %[[R]] offsets affine_map<(d0, d1) -> (d0, d1)> into %[[A2]] offsets affine_map<(d0) -> (d0, 0)> shape array<i64: 8, 12> {tf.op = "contraction8"}
// CHECK:          dataflow.scatter %arg3
// CHECK:          dataflow.fill %[[Z:.*]] value 0.000000e+00 : f32 {tf.op = "contraction8"}
// CHECK-NEXT:     dataflow.compute ins(%[[A2]], %{{.*}} : !dataflow.buffer<grid [8], local [1, 12], f32>, !dataflow.buffer<grid [8], local [12, 6], f32>) outs(%[[Z]] : !dataflow.buffer<grid [8], local [1, 6], f32>) sizes array<i64: 1, 6, 12> attributes {tf.op = "contraction8", tf.plan = "F=8x1x1",
// CHECK-NOT:      dataflow.reduce
// CHECK-NOT:      dataflow.exchange
//                 softmax: every step one row per core, in matmul 2's layout
// CHECK:          dataflow.fill %[[M:.*]] value 0xff800000 : f32 {tf.op = "reduction11"} : !dataflow.buffer<grid [8], local [1], f32>
// CHECK-NEXT:     dataflow.compute ins(%[[Z]] : !dataflow.buffer<grid [8], local [1, 6], f32>) outs(%[[M]] : !dataflow.buffer<grid [8], local [1], f32>) sizes array<i64: 1, 6> attributes {tf.op = "reduction11", tf.plan = "F=8x1",
// CHECK:          dataflow.compute ins(%[[Z]], %[[M]] : {{.*}}) outs(%[[SUB:.*]] : !dataflow.buffer<grid [8], local [1, 6], f32>) sizes array<i64: 1, 6> attributes {tf.op = "elementwise12", tf.plan = "F=8x1",
// CHECK:          dataflow.compute ins(%[[SUB]] : {{.*}}) outs(%[[EXP:.*]] : !dataflow.buffer<grid [8], local [1, 6], f32>) sizes array<i64: 1, 6> attributes {tf.op = "elementwise13", tf.plan = "F=8x1",
// CHECK:            math.exp
// CHECK:          dataflow.fill %[[S:.*]] value 0.000000e+00 : f32 {tf.op = "reduction16"} : !dataflow.buffer<grid [8], local [1, 1], f32>
// CHECK-NEXT:     dataflow.compute ins(%[[EXP]] : {{.*}}) outs(%[[S]] : !dataflow.buffer<grid [8], local [1, 1], f32>) sizes array<i64: 1, 6> attributes {tf.op = "reduction16", tf.plan = "F=8x1",
// CHECK:          dataflow.compute ins(%[[EXP]], %[[S]] : {{.*}}) outs(%[[OUT:.*]] : !dataflow.buffer<grid [8], local [1, 6], f32>) sizes array<i64: 1, 6> attributes {tf.op = "elementwise17", tf.plan = "F=8x1",
// CHECK:            arith.divf
// CHECK:          %[[RES:.*]] = dataflow.gather %[[OUT]] offsets affine_map<(d0) -> (d0, 0)> {tf.op = "output"} : !dataflow.buffer<grid [8], local [1, 6], f32> -> tensor<8x6xf32>
// CHECK-NEXT:     dataflow.free %[[OUT]]
// CHECK-NEXT:     func.return %[[RES]] : tensor<8x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// Nine operators computed (the three fills are materialised by dataflow.fill instead), no
// compute-shift loop (nothing rotates at this size).
// COMPUTE-COUNT-9: dataflow.compute
// COMPUTE-NOT:     dataflow.compute
// COMPUTE-NOT:     dataflow.repeat
// COMPUTE-NOT:     dataflow.shift

// Every buffer is freed exactly once.
// ALLOC-COUNT-14: = dataflow.alloc
// ALLOC-NOT:      = dataflow.alloc
// FREE-COUNT-14:  dataflow.free
// FREE-NOT:       dataflow.free

// Fills: two matmul zeros, the max's -inf and the sum's zero (no split reduction dim, so
// no identity init).
// FILL-COUNT-4:   dataflow.fill
// FILL-NOT:       dataflow.fill

// Four inputs scattered, one output gathered.
// SCATTER-COUNT-4: dataflow.scatter
// SCATTER-NOT:     dataflow.scatter
// SCATTER:         dataflow.gather
// SCATTER-NOT:     dataflow.gather

// One re-layout (relu rows into matmul 2) and no all-reduce.
// EXCHANGE-COUNT-1: dataflow.exchange
// EXCHANGE-NOT:     dataflow.{{exchange|reduce}}

// Nothing above the dataflow level is left.
// LEFT-NOT: rtensor.
// LEFT-NOT: linalg.generic
// LEFT-NOT: tensor.empty

#map = affine_map<(d0, d1) -> ()>
#map1 = affine_map<(d0, d1) -> (d0, d1)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d2, d1)>
#map4 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map5 = affine_map<(d0, d1) -> (d1)>
#map6 = affine_map<(d0) -> ()>
#map7 = affine_map<(d0) -> (d0)>
#map8 = affine_map<(d0, d1) -> (d0)>
#map9 = affine_map<(d0, d1) -> (d0, 0)>
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<8x16xf32>, tensor<16x12xf32>, tensor<12xf32>, tensor<12x6xf32>) -> tensor<8x6xf32>, sym_name = "mlp"}> ({
  ^bb0(%arg0: tensor<8x16xf32>, %arg1: tensor<16x12xf32>, %arg2: tensor<12xf32>, %arg3: tensor<12x6xf32>):
    %0 = "arith.constant"() <{value = 0.000000e+00 : f32}> : () -> f32
    %1 = "arith.constant"() <{value = 0 : i64}> : () -> i64
    %2 = "arith.constant"() <{value = 0xFF800000 : f32}> : () -> f32
    %3 = "tensor.empty"() : () -> tensor<8x12xf32>
    %4 = "linalg.generic"(%0, %3) <{indexing_maps = [#map, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg36: f32, %arg37: f32):
      "linalg.yield"(%arg36) : (f32) -> ()
    }) : (f32, tensor<8x12xf32>) -> tensor<8x12xf32>
    %5 = "linalg.generic"(%arg0, %arg1, %4) <{indexing_maps = [#map2, #map3, #map4], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg33: f32, %arg34: f32, %arg35: f32):
      %37 = "arith.mulf"(%arg33, %arg34) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      %38 = "arith.addf"(%arg35, %37) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%38) : (f32) -> ()
    }) : (tensor<8x16xf32>, tensor<16x12xf32>, tensor<8x12xf32>) -> tensor<8x12xf32>
    %6 = "linalg.generic"(%5, %arg2, %3) <{indexing_maps = [#map1, #map5, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg30: f32, %arg31: f32, %arg32: f32):
      %36 = "arith.addf"(%arg30, %arg31) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%36) : (f32) -> ()
    }) : (tensor<8x12xf32>, tensor<12xf32>, tensor<8x12xf32>) -> tensor<8x12xf32>
    %7 = "linalg.generic"(%6, %3) <{indexing_maps = [#map1, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg28: f32, %arg29: f32):
      %34 = "arith.cmpf"(%arg28, %0) <{fastmath = #arith.fastmath<none>, predicate = 9 : i64}> : (f32, f32) -> i1
      %35 = "arith.select"(%34, %arg28, %0) : (i1, f32, f32) -> f32
      "linalg.yield"(%35) : (f32) -> ()
    }) : (tensor<8x12xf32>, tensor<8x12xf32>) -> tensor<8x12xf32>
    %8 = "tensor.empty"() : () -> tensor<8x6xf32>
    %9 = "linalg.generic"(%0, %8) <{indexing_maps = [#map, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg26: f32, %arg27: f32):
      "linalg.yield"(%arg26) : (f32) -> ()
    }) : (f32, tensor<8x6xf32>) -> tensor<8x6xf32>
    %10 = "linalg.generic"(%7, %arg3, %9) <{indexing_maps = [#map2, #map3, #map4], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg23: f32, %arg24: f32, %arg25: f32):
      %32 = "arith.mulf"(%arg23, %arg24) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      %33 = "arith.addf"(%arg25, %32) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%33) : (f32) -> ()
    }) : (tensor<8x12xf32>, tensor<12x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
    %11 = "tensor.empty"() : () -> tensor<8xi64>
    %12 = "linalg.generic"(%1, %11) <{indexing_maps = [#map6, #map7], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg21: i64, %arg22: i64):
      "linalg.yield"(%arg21) : (i64) -> ()
    }) : (i64, tensor<8xi64>) -> tensor<8xi64>
    %13 = "tensor.empty"() : () -> tensor<8xf32>
    %14 = "linalg.generic"(%2, %13) <{indexing_maps = [#map6, #map7], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg19: f32, %arg20: f32):
      "linalg.yield"(%arg19) : (f32) -> ()
    }) : (f32, tensor<8xf32>) -> tensor<8xf32>
    %15:2 = "linalg.generic"(%10, %14, %12) <{indexing_maps = [#map1, #map8, #map8], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 1, 2>}> ({
    ^bb0(%arg16: f32, %arg17: f32, %arg18: i64):
      %27 = "linalg.index"() <{dim = 1 : i64}> : () -> index
      %28 = "arith.index_cast"(%27) : (index) -> i64
      %29 = "arith.maximumf"(%arg16, %arg17) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      %30 = "arith.cmpf"(%arg16, %arg17) <{fastmath = #arith.fastmath<none>, predicate = 2 : i64}> : (f32, f32) -> i1
      %31 = "arith.select"(%30, %28, %arg18) : (i1, i64, i64) -> i64
      "linalg.yield"(%29, %31) : (f32, i64) -> ()
    }) : (tensor<8x6xf32>, tensor<8xf32>, tensor<8xi64>) -> (tensor<8xf32>, tensor<8xi64>)
    %16 = "tensor.expand_shape"(%15#0) <{reassociation = [[0, 1]], static_output_shape = array<i64: 8, 1>}> : (tensor<8xf32>) -> tensor<8x1xf32>
    %17 = "linalg.generic"(%10, %16, %8) <{indexing_maps = [#map1, #map9, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg13: f32, %arg14: f32, %arg15: f32):
      %26 = "arith.subf"(%arg13, %arg14) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%26) : (f32) -> ()
    }) : (tensor<8x6xf32>, tensor<8x1xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
    %18 = "linalg.generic"(%17, %8) <{indexing_maps = [#map1, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg11: f32, %arg12: f32):
      %25 = "math.exp"(%arg11) <{fastmath = #arith.fastmath<none>}> : (f32) -> f32
      "linalg.yield"(%25) : (f32) -> ()
    }) : (tensor<8x6xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
    %19 = "tensor.empty"() : () -> tensor<8x1xf32>
    %20 = "linalg.generic"(%0, %19) <{indexing_maps = [#map, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg9: f32, %arg10: f32):
      "linalg.yield"(%arg9) : (f32) -> ()
    }) : (f32, tensor<8x1xf32>) -> tensor<8x1xf32>
    %21 = "linalg.generic"(%18, %20) <{indexing_maps = [#map1, #map9], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg7: f32, %arg8: f32):
      %24 = "arith.addf"(%arg7, %arg8) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%24) : (f32) -> ()
    }) : (tensor<8x6xf32>, tensor<8x1xf32>) -> tensor<8x1xf32>
    %22 = "linalg.generic"(%18, %21, %8) <{indexing_maps = [#map1, #map9, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%arg4: f32, %arg5: f32, %arg6: f32):
      %23 = "arith.divf"(%arg4, %arg5) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%23) : (f32) -> ()
    }) : (tensor<8x6xf32>, tensor<8x1xf32>, tensor<8x6xf32>) -> tensor<8x6xf32>
    "func.return"(%22) : (tensor<8x6xf32>) -> ()
  }) : () -> ()
}) : () -> ()
