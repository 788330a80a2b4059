// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Every dataflow verifier error reachable from text, one per split.

// buffer: a grid size of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [0, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: {{^}}buffer grid sizes must be >= 1{{$}}

// -----

// buffer: an empty grid
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [], local [4, 8], f32>
    func.return
  }
}

// CHECK: {{^}}buffer grid sizes must be >= 1{{$}}

// -----

// buffer: a local size of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [0, 8], f32>
    func.return
  }
}

// CHECK: {{^}}buffer local sizes must be >= 1{{$}}

// -----

// free: of a value that is not a dataflow.alloc result
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%b: !dataflow.buffer<grid [2, 2], local [4, 8], f32>) {
    dataflow.free %b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: freed value must come from dataflow.alloc{{$}}

// -----

// scatter: tensor and buffer element types differ
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf16>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 8)> : tensor<8x16xf16> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: tensor and buffer element types differ{{$}}

// -----

// scatter: offsets map over the wrong number of grid coords
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf32>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0) -> (c0 * 4, 0)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: offsets map takes 1 grid coords, grid has rank 2{{$}}

// -----

// scatter: offsets map with the wrong number of results
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf32>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0, c1) -> (c0 * 4)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: offsets map has 1 results, expected one per tensor axis (2){{$}}

// -----

// scatter: offsets map with a symbol
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf32>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0, c1)[s0] -> (c0 * 4, s0)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: offsets map has 1 symbols, expected 0{{$}}

// -----

// scatter: buffer rank differs from tensor rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf32>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [32], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 8)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [32], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: buffer rank 1 differs from tensor rank 2{{$}}

// -----

// scatter: a negative offset
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f(%t: tensor<8x16xf32>) {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.scatter %t into %b offsets affine_map<(c0, c1) -> (c0 * 4 - 4, c1 * 8)> : tensor<8x16xf32> -> !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: scatter: negative offset{{$}}

// -----

// gather: tensor and buffer element types differ
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %t = dataflow.gather %b offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 8)> : !dataflow.buffer<grid [2, 2], local [4, 8], f32> -> tensor<8x16xi32>
    func.return
  }
}

// CHECK: Operation does not verify: gather: tensor and buffer element types differ{{$}}

// -----

// exchange: source and destination element types differ
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f16>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (0, c0 * 2)> shape array<i64: 8, 8> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f16>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: source and destination element types differ{{$}}

// -----

// exchange: destination offsets over the source grid's coords
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [4], local [8, 2], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0, c1) -> (0, c0 * 2)> shape array<i64: 8, 8> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [8, 2], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange destination: offsets map takes 2 grid coords, grid has rank 1{{$}}

// -----

// exchange: low padding without high (the custom form cannot spell it: `low` must be followed by `high`)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    "dataflow.exchange"(%s, %d) <{src_offsets = affine_map<(c0, c1) -> (c0 * 4, c1 * 4)>, dst_offsets = affine_map<(c0) -> (c0 * 4, 0)>, shape = array<i64: 8, 8>, low = array<i64: 1, 1>}> : (!dataflow.buffer<grid [2, 2], local [4, 4], f32>, !dataflow.buffer<grid [2], local [6, 10], f32>) -> ()
    func.return
  }
}

// CHECK: Operation does not verify: exchange: give both low and high padding or neither{{$}}

// -----

// exchange: high padding without low (generic form, as above)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    "dataflow.exchange"(%s, %d) <{src_offsets = affine_map<(c0, c1) -> (c0 * 4, c1 * 4)>, dst_offsets = affine_map<(c0) -> (c0 * 4, 0)>, shape = array<i64: 8, 8>, high = array<i64: 1, 1>}> : (!dataflow.buffer<grid [2, 2], local [4, 4], f32>, !dataflow.buffer<grid [2], local [6, 10], f32>) -> ()
    func.return
  }
}

// CHECK: Operation does not verify: exchange: give both low and high padding or neither{{$}}

// -----

// exchange: low padding with one entry for a rank-2 tensor
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 4, 0)> shape array<i64: 8, 8> low array<i64: 1> high array<i64: 1, 1> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: low and high padding need one entry per tensor axis (2){{$}}

// -----

// exchange: high padding with three entries for a rank-2 tensor
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 4, 0)> shape array<i64: 8, 8> low array<i64: 1, 1> high array<i64: 1, 1, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: low and high padding need one entry per tensor axis (2){{$}}

// -----

// exchange: a crop (negative padding) larger than the tensor
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 4, 0)> shape array<i64: 8, 8> low array<i64: 1, -9> high array<i64: 1, 1> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: cropping by low [1, -9] high [1, 1] leaves nothing of shape [8, 8]{{$}}

// -----

// exchange: destination offsets index the padded tensor, so low padding does not make an offset of -1 valid
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [6, 10], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 4 - 1, 0)> shape array<i64: 8, 8> low array<i64: 1, 1> high array<i64: 1, 1> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [6, 10], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange destination: negative offset{{$}}

// -----

// fill: value that is not a number
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.fill %b value "zero" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: fill value must be a float or integer attribute{{$}}

// -----

// fill: `where` with two results
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.fill %b value 0.0 : f32 where affine_map<(c0, c1) -> (c0, c1)> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: fill: where map has 2 results, expected 1{{$}}

// -----

// fill: `where` over the wrong number of grid coords
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.fill %b value 0.0 : f32 where affine_map<(c0) -> (c0)> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: fill: where map takes 1 grid coords, grid has rank 2{{$}}

// -----

// compute: two offsets maps for one operand
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: need one indexing map and one offsets map per operand (1){{$}}

// -----

// compute: sizes with the wrong number of loop dims
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4, 1> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: sizes need one entry per loop dim{{$}}

// -----

// compute: operands on different grids
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %a = dataflow.alloc : !dataflow.buffer<grid [4], local [4, 8], f32>
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute ins(%a : !dataflow.buffer<grid [4], local [4, 8], f32>) outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32, %x1: f32):
      linalg.yield %x1 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: all operands must live on the same core grid{{$}}

// -----

// compute: indexing map rank differs from the buffer rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: indexing map rank 1 differs from buffer rank 2{{$}}

// -----

// compute: an indexing map result that is neither a loop dim, a window sum nor 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1 floordiv 2)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: indexing map result '(d1 floordiv 2)' is not a loop dim, a sum of positive multiples of loop dims, or 0 (not supported){{$}}

// -----

// compute: offsets use a repeat counter outside any repeat
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1)[s0] -> (0, s0 * 4)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: offsets map uses 1 repeat counters, only 0 enclose it{{$}}

// -----

// compute: offsets use two repeat counters inside one repeat
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.repeat 2 {
      dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1)[s0, s1] -> (0, s0 * 2 + s1)>]} {
      ^bb0(%x0: f32):
        linalg.yield %x0 : f32
      }
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: offsets map uses 2 repeat counters, only 1 enclose it{{$}}

// -----

// compute: offsets map over the wrong number of grid coords
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: offsets map takes 1 grid coords, grid has rank 2{{$}}

// -----

// compute: offsets map with the wrong number of results
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: offsets map has 1 results, expected one per buffer axis (2){{$}}

// -----

// compute: the box leaves the local buffer on cores with c1 = 1 (6 + 4 > 8)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, c1 * 4 + 2)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: the [4, 4] box at offset [0, 6] leaves its local buffer [4, 8] (first on core (0, 1)){{$}}

// -----

// compute: the box leaves the local buffer at a negative offset
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (c0 - 1, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: the [4, 4] box at offset [-1, 0] leaves its local buffer [4, 8] (first on core (0, 0)){{$}}

// -----

// compute: the box leaves the local buffer on the last step of the inner repeat (s1 = 2: 8 + 4 > 8; s1 is the inner counter, s0 the outer)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.repeat 2 {
      dataflow.repeat 3 {
        dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1)[s0, s1] -> (0, s1 * 4)>]} {
        ^bb0(%x0: f32):
          linalg.yield %x0 : f32
        }
      }
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: the [4, 4] box at offset [0, 8] leaves its local buffer [4, 8] (first on core (0, 0) at repeat counters s0 = 0, s1 = 2){{$}}

// -----

// shift: source map not a permutation (every core of a row reads column 0)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.shift %b from affine_map<(c0, c1) -> (c0, 0)> {tf.op = "ring_a"} : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: shift of op 'ring_a': senders and receivers do not match (source map is not a permutation): core [0, 0] sends to 2 cores{{$}}

// -----

// shift: source out of the grid (no wrap-around): the receiver would wait forever
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.shift %b from affine_map<(c0, c1) -> (c0, c1 + 1)> {tf.op = "ring_b"} : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: shift of op 'ring_b': some core receives from a core outside the grid, which never sends (deadlock): core [0, 1] waits for core [0, 2]{{$}}

// -----

// shift: source map with the wrong number of results
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.shift %b from affine_map<(c0, c1) -> ((c1 + 1) mod 2)> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: shift: source map has 1 results, expected one per grid dim (2){{$}}

// -----

// shift: source map using a repeat counter
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.repeat 2 {
      dataflow.shift %b from affine_map<(c0, c1)[s0] -> (c0, (c1 + s0) mod 2)> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    }
    func.return
  }
}

// CHECK: Operation does not verify: shift: source map has 1 symbols, expected 0{{$}}

// -----

// reduce: dim out of range
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.reduce %b over array<i64: 2> with "add" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: reduce dims [2] must be distinct grid dims of a rank-2 grid{{$}}

// -----

// reduce: negative dim
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.reduce %b over array<i64: -1> with "add" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: reduce dims [-1] must be distinct grid dims of a rank-2 grid{{$}}

// -----

// reduce: no dims
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.reduce %b over array<i64> with "add" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: reduce dims [] must be distinct grid dims of a rank-2 grid{{$}}

// -----

// reduce: a dim listed twice
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.reduce %b over array<i64: 1, 1> with "add" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: reduce dims [1, 1] must be distinct grid dims of a rank-2 grid{{$}}

// -----

// reduce: unknown combiner
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.reduce %b over array<i64: 1> with "sum" : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: unknown combiner 'sum' (one of add, mul, max, min){{$}}

// -----

// repeat: count 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    dataflow.repeat 0 {
      dataflow.sync
    }
    func.return
  }
}

// CHECK: Operation does not verify: repeat count must be >= 1{{$}}

// -----

// repeat: negative count (inner of two)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    dataflow.repeat 2 {
      dataflow.repeat -1 {
        dataflow.sync
      }
    }
    func.return
  }
}

// CHECK: Operation does not verify: repeat count must be >= 1{{$}}

// -----

// alloc: a grid with more cores than the target has (64 * 32 = 2048 > 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [64, 32], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: buffer grid [64, 32] uses 2048 cores but target 'ipu-mk2' has 1472{{$}}

// -----

// fill: value type differs from the buffer element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.fill %b value 0.0 : f16 : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: fill value has type f16, the buffer holds f32{{$}}

// -----

// fill: an integer value into a float buffer
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.fill %b value 0 : i32 : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: fill value has type i32, the buffer holds f32{{$}}

// -----

// compute: an indexing map with more dims than `sizes` (used to crash with an IndexError)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: indexing map has 3 dims, expected one per loop dim (2){{$}}

// -----

// compute: an unknown iterator type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "window"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: iterator types must be 'parallel' or 'reduction'{{$}}

// -----

// compute: body without an argument for the input
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %a = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute ins(%a : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: body has 1 arguments, expected one per operand (2){{$}}

// -----

// compute: a body argument whose type is not the operand's element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %a = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f16>
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute ins(%a : !dataflow.buffer<grid [2, 2], local [4, 8], f16>) outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32, %x1: f32):
      linalg.yield %x0 : f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: body argument #0 has type f32, expected f16 (the element type of operand #0){{$}}

// -----

// compute: body that ends with another terminator than linalg.yield
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      llvm.unreachable
    }
    func.return
  }
}

// CHECK: Operation does not verify: body must end with linalg.yield{{$}}

// -----

// compute: body yields two values for one output
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      linalg.yield %x0, %x0 : f32, f32
    }
    func.return
  }
}

// CHECK: Operation does not verify: body yields 2 values, expected one per output (1){{$}}

// -----

// compute: body yields a value of another type than the output's element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    dataflow.compute outs(%b : !dataflow.buffer<grid [2, 2], local [4, 8], f32>) sizes array<i64: 4, 4> attributes {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0, c1) -> (0, 0)>]} {
    ^bb0(%x0: f32):
      %h = arith.truncf %x0 : f32 to f16
      linalg.yield %h : f16
    }
    func.return
  }
}

// CHECK: Operation does not verify: body yields f16 for output #0, expected f32 (the element type of operand #0){{$}}

// -----

// exchange: a crop that removes every row (4 before and 4 after of 8)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 8, 8> low array<i64: -4, 0> high array<i64: -4, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: cropping by low [-4, 0] high [-4, 0] leaves nothing of shape [8, 8]{{$}}

// -----

// exchange: a crop after the end larger than the axis (9 of 8 columns), although the padding
// before it would leave a positive size
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 8, 8> low array<i64: 0, 10> high array<i64: 0, -9> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: cropping by low [0, 10] high [0, -9] leaves nothing of shape [8, 8]{{$}}

// -----

// exchange: destination offsets index the cropped tensor from 0, so cropping two rows does not
// make an offset of -2 valid
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 8], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 2 - 2, 0)> shape array<i64: 8, 8> low array<i64: -2, 0> high array<i64: -2, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange destination: negative offset{{$}}

// -----

// exchange: a reshape to another element count (64 into 60)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [4], local [15], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 15)> shape array<i64: 8, 8> reshape array<i64: 60> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [15], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: cannot reshape 64 elements into [60]{{$}}

// -----

// exchange: a reshape that also pads
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [4], local [16], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 16)> shape array<i64: 8, 8> low array<i64: 0, 0> high array<i64: 0, 0> reshape array<i64: 64> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [16], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange: a reshaping exchange cannot also pad{{$}}

// -----

// exchange: with a reshape, the destination offsets index the reshaped tensor (rank 1, not 2)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %s = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %d = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 8], f32>
    dataflow.exchange %s offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %d offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 8, 8> reshape array<i64: 64> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [4], local [2, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: exchange destination: offsets map has 2 results, expected one per tensor axis (1){{$}}

// -----

// alloc: a placement with fewer entries than grid cells
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc place array<i64: 0, 1, 2> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: place has 3 entries, the grid [2, 2] has 4 cells{{$}}

// -----

// alloc: two grid cells placed on one physical core
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc place array<i64: 0, 7, 7, 1> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: place: physical core 7 holds more than one grid cell{{$}}

// -----

// alloc: a negative physical core
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc place array<i64: 0, -1, 2, 3> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: place: physical core -1 is negative{{$}}

// -----

// alloc: a physical core past the target's last (ipu-mk2 has 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %b = dataflow.alloc place array<i64: 0, 1, 2, 1472> : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    func.return
  }
}

// CHECK: Operation does not verify: place: physical core 1472 does not exist on target 'ipu-mk2' (1472 cores){{$}}
