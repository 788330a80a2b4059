// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Every verifier error of #isa.mapping and of the tf.instruction / tf.padding_waste it puts on
// rtensor.compute and dataflow.compute, one per split.

// #isa.mapping: a role that is not m, n, k, e or loop
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, x, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}role 'x' is not one of m, n, k, e, loop{{$}}

// -----

// #isa.mapping: one kernel input bound twice
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 0], roles = [m, n, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}inputs [0, 0] must be distinct input indices{{$}}

// -----

// #isa.mapping: a negative template index
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = -1, inputs = [0, 1], roles = [m, n, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}template index must be >= 0{{$}}

// -----

// tf.instruction: not an #isa.mapping
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = "amp"} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' must be an #isa.mapping{{$}}

// -----

// tf.instruction: one role per loop dim
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' gives 2 roles for 3 loop dims{{$}}

// -----

// tf.instruction: d0 indexes A and C, so it can be the AMP's m (or looped), never its n
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [n, m, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': loop dim d0 cannot take role 'n' (allowed: m, loop){{$}}

// -----

// tf.instruction: a unit the target does not have
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': unit 'fpu' is not a compute unit of target 'ipu-mk2' (amp, vector){{$}}

// -----

// tf.instruction: a template index past the unit's templates
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 1, inputs = [0, 1], roles = [m, n, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': unit 'amp' has 1 template(s), not #1{{$}}

// -----

// tf.instruction: a matmul on the vector FMA (A lacks n, so n cannot be a lane)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "vector", template = 1, inputs = [0, 1], roles = [e, e, loop]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': template 'out[e] += a[e] * b[e?]' does not unify with the indexing maps under inputs [0, 1]{{$}}

// -----

// tf.instruction: a matmul on the general vector template (a contraction is not its body)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "vector", template = 0, inputs = [0, 1], roles = [e, e, loop]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': template 'out[e] = f(x[e?], ...)' of unit 'vector' does not take this body (contraction, f32, 2 inputs){{$}}

// -----

// tf.padding_waste: a fraction
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, k]>, tf.padding_waste = 1.5 : f64} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}'tf.padding_waste' must be a float in [0, 1){{$}}

// -----

// dataflow.compute: the same check on the sub-operator a core runs
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @f() {
    %ba = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %bw = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [8, 4], f32>
    %bc = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.compute ins(%ba, %bw : !dataflow.buffer<grid [2, 2], local [4, 8], f32>, !dataflow.buffer<grid [2, 2], local [8, 4], f32>) outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 4, 8> attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, k, k]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
    func.return
  }
}

// CHECK: {{^}}'tf.instruction' is not a legal mapping on 'ipu-mk2': loop dim d1 cannot take role 'k' (allowed: n, loop){{$}}
