// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of dataflow.pipeline: two stages on disjoint placed cores (0-1 and 2-3), 2
// granules, the second stage's granule t waiting for producer granule t; the stage-0 output
// is forwarded core to core (tf.forward) into the stage-1 buffer, scaled there, gathered.

builtin.module attributes {tf.target = "tt-like"} {
  func.func @two_stages(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %a = dataflow.alloc place array<i64: 0, 1> {tf.op = "relu"} : !dataflow.buffer<grid [2], local [2, 8], f32>
    %b = dataflow.alloc place array<i64: 0, 1> {tf.op = "relu"} : !dataflow.buffer<grid [2], local [2, 8], f32>
    %c = dataflow.alloc place array<i64: 2, 3> {tf.op = "scale"} : !dataflow.buffer<grid [2], local [2, 8], f32>
    %d = dataflow.alloc place array<i64: 2, 3> {tf.op = "scale"} : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0, 1> attributes {tf.op = "pipeline0"} {
      dataflow.scatter %x into %a offsets affine_map<(d0) -> ((d0 * 2), 0)> {tf.op = "relu"} : tensor<4x8xf32> -> !dataflow.buffer<grid [2], local [2, 8], f32>
      dataflow.compute ins(%a : !dataflow.buffer<grid [2], local [2, 8], f32>) outs(%b : !dataflow.buffer<grid [2], local [2, 8], f32>) sizes array<i64: 2, 8> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(d0) -> (0, 0)>, affine_map<(d0) -> (0, 0)>], tf.op = "relu"} {
      ^bb0(%i: f32, %o: f32):
        %zero = arith.constant 0.000000e+00 : f32
        %r = arith.maximumf %i, %zero : f32
        linalg.yield %r : f32
      }
    } {
      dataflow.exchange %b offsets affine_map<(d0) -> ((d0 * 2), 0)> into %c offsets affine_map<(d0) -> ((d0 * 2), 0)> shape array<i64: 4, 8> {tf.forward, tf.op = "scale"} : !dataflow.buffer<grid [2], local [2, 8], f32> -> !dataflow.buffer<grid [2], local [2, 8], f32>
      dataflow.compute ins(%c : !dataflow.buffer<grid [2], local [2, 8], f32>) outs(%d : !dataflow.buffer<grid [2], local [2, 8], f32>) sizes array<i64: 2, 8> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(d0) -> (0, 0)>, affine_map<(d0) -> (0, 0)>], tf.op = "scale"} {
      ^bb0(%i: f32, %o: f32):
        %m = arith.mulf %i, %i : f32
        linalg.yield %m : f32
      }
    }
    dataflow.free %a : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.free %b : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.free %c : !dataflow.buffer<grid [2], local [2, 8], f32>
    %y = dataflow.gather %d offsets affine_map<(d0) -> ((d0 * 2), 0)> {tf.op = "output"} : !dataflow.buffer<grid [2], local [2, 8], f32> -> tensor<4x8xf32>
    dataflow.free %d : !dataflow.buffer<grid [2], local [2, 8], f32>
    func.return %y : tensor<4x8xf32>
  }
}

// CHECK:      %c = dataflow.alloc place array<i64: 2, 3> {tf.op = "scale"} : !dataflow.buffer<grid [2], local [2, 8], f32>
// CHECK:      dataflow.pipeline granules 2 organisation "blocks" needs array<i64: 0, 1> attributes {tf.op = "pipeline0"} {
// CHECK-NEXT:   dataflow.scatter %x into %a
// CHECK-NEXT:   dataflow.compute ins(%a : !dataflow.buffer<grid [2], local [2, 8], f32>) outs(%b : !dataflow.buffer<grid [2], local [2, 8], f32>)
// CHECK:        linalg.yield %r : f32
// CHECK-NEXT:   }
// CHECK-NEXT: } {
// CHECK-NEXT:   dataflow.exchange %b offsets affine_map<(d0) -> ((d0 * 2), 0)> into %c offsets affine_map<(d0) -> ((d0 * 2), 0)> shape array<i64: 4, 8> {tf.forward, tf.op = "scale"}
// CHECK-NEXT:   dataflow.compute ins(%c : !dataflow.buffer<grid [2], local [2, 8], f32>) outs(%d : !dataflow.buffer<grid [2], local [2, 8], f32>)
// CHECK:        linalg.yield %m : f32
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: dataflow.free %a
