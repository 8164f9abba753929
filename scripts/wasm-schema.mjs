// The one description of the WebAssembly jobs: each op's code and its named arguments, in slot order.
// scripts/build-wasm.mjs generates both sides from it: AssemblyScript constants for every slot
// (`const CONV_OUT_H: i32 = 12;`, prepended to packages/core/wasm/asc/kernels.ts, which reads
// `arg(CONV_OUT_H)`) and packages/core/src/kernels/wasm/jobs.ts, one typed writer per op
// (`convForwardJob(e, { batch, ..., scratchStride })`) whose argument object requires every field. A
// slot the two sides disagree on cannot be written: adding, removing or reordering an argument here
// moves it on both sides at the next `npm run build:wasm`, and a missing or misspelt field is a type
// error at the call site.
//
// To add an argument: append [name, kind, doc] to the op's `args` (or to a layout every op of it
// shares), run `npm run build:wasm`, read it in kernels.ts as `arg(<OP>_<NAME>)` and pass it where
// tsc now asks for it. Kinds: 'int' (an i32), 'ptr' (a byte address in the module's memory, 0 for
// "none" where the kernel allows it), 'flag' (a boolean, written as 0/1).

/** Words of the job descriptor (word 0 is the op code): the JS side's view of it is this long. */
export const JOB_WORDS = 32;

/**
 * Argument prefixes shared by several ops. A job with `layout: 'CONV'` starts with these slots (from
 * slot 1), so helpers like `jobIm2col` read the geometry whichever conv op is running; its constants
 * are named after the layout (`CONV_OUT_H`), the op's own after the op (`CONV_FORWARD_X`).
 */
export const LAYOUTS = {
  CONV: {
    doc: 'The geometry of a convolution job, shared by every conv and depthwise op.',
    args: [
      ['batch', 'int', 'Images N.'],
      ['channels', 'int', 'Input channels C.'],
      ['height', 'int', 'Input rows H.'],
      ['width', 'int', 'Input columns W.'],
      ['outChannels', 'int', 'Output channels O.'],
      ['kH', 'int', 'Filter rows.'],
      ['kW', 'int', 'Filter columns.'],
      ['strideH', 'int', 'Row stride.'],
      ['strideW', 'int', 'Column stride.'],
      ['padTop', 'int', 'Zero rows above the input.'],
      ['padLeft', 'int', 'Zero columns left of the input.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['dilationH', 'int', 'Row dilation.'],
      ['dilationW', 'int', 'Column dilation.'],
      ['groups', 'int', 'Channel groups G (C and O are multiples of it).'],
    ],
  },
};

/** Scratch regions come as a base and a per-thread stride: thread t uses `scratch + t·scratchStride`. */
const SCRATCH = [
  ['scratch', 'ptr', "The threads' scratch regions."],
  ['scratchStride', 'int', 'Bytes between two threads\' scratch regions.'],
];

/** The arguments of a Winograd correlation per image (F(2×2) or F(4×4), WINOGRAD and WINOGRAD_4X4). */
const WINOGRAD_CORRELATION = [
  ['batch', 'int', 'Images.'],
  ['inChannels', 'int', 'Input channels.'],
  ['height', 'int', 'Input rows.'],
  ['width', 'int', 'Input columns.'],
  ['padTop', 'int', 'Zero rows above the input.'],
  ['padLeft', 'int', 'Zero columns left of the input.'],
  ['filters', 'ptr', 'The filters transformed by the matching filter job: a region of `[outChannels, inChannels]` per ξ.'],
  ['filtersStride', 'int', 'Bytes between two ξ of the filters.'],
  ['bias', 'ptr', 'The bias, 0 for none.'],
  ['outChannels', 'int', 'Output channels.'],
  ['outH', 'int', 'Output rows.'],
  ['outW', 'int', 'Output columns.'],
  ['x', 'ptr', 'The input.'],
  ['out', 'ptr', 'The output (overwritten).'],
  ...SCRATCH,
];

/** The arguments of a Winograd filter transform (WINOGRAD_FILTERS: 16 ξ, WINOGRAD_4X4_FILTERS: 36). */
const WINOGRAD_FILTER_TRANSFORM = [
  ['w', 'ptr', 'The weight `[O, C, 3, 3]`.'],
  ['weightRows', 'int', 'O.'],
  ['weightColumns', 'int', 'C.'],
  ['flip', 'flag', 'For the input gradient: the filters rotated by 180°, input and output channels swapped.'],
  ['filters', 'ptr', 'U, a region of `[cout, cin]` per ξ (overwritten).'],
  ['filtersStride', 'int', 'Bytes between two ξ of U.'],
  ['perChunk', 'int', 'Rows of U (cout) per chunk.'],
];

/** The zero-bordered copy of one plane that the depthwise kernels work on, in their scratch. */
const DEPTHWISE_PLANE = [
  ['planeH', 'int', 'Rows of the zero-bordered plane in the scratch.'],
  ['planeW', 'int', 'Columns of the zero-bordered plane in the scratch.'],
];

/** The job ops of `runChunk`, by name: code, optional shared layout, then the op's own arguments. */
export const JOBS = {
  PACK: {
    code: 0,
    doc: 'Packs op(B) into NR-wide column panels, a chunk of panels each.',
    args: [
      ['transB', 'flag', 'B is stored transposed (`[n, k]`).'],
      ['n', 'int', 'Columns of op(B).'],
      ['k', 'int', 'Rows of op(B).'],
      ['b', 'ptr', 'B.'],
      ['out', 'ptr', 'The packed panels.'],
      ['perChunk', 'int', 'Panels per chunk.'],
    ],
  },
  ROWS: {
    code: 1,
    doc: '`C (+)= op(A)·B` on a packed B, a block of rows of C each.',
    args: [
      ['transA', 'flag', 'A is stored transposed (`[k, m]`).'],
      ['m', 'int', 'Rows of C.'],
      ['n', 'int', 'Columns of C.'],
      ['k', 'int', 'The depth.'],
      ['a', 'ptr', 'A.'],
      ['packed', 'ptr', 'B packed by a PACK job.'],
      ['c', 'ptr', 'C (`n` floats a row).'],
      ['accumulate', 'flag', 'Add into C rather than overwrite it.'],
      ['perChunk', 'int', 'Rows per chunk.'],
    ],
  },
  CONV_FORWARD: {
    code: 2,
    layout: 'CONV',
    doc: 'Per image: `out[n] = W·cols(x[n]) (+ bias)`, group by group.',
    args: [
      ['x', 'ptr', 'The input `[N, C, H, W]`.'],
      ['w', 'ptr', 'The weight `[O, C/G·kH·kW]`.'],
      ['bias', 'ptr', 'The bias `[O]`, 0 for none.'],
      ['out', 'ptr', 'The output `[N, O, outH, outW]`.'],
      ...SCRATCH,
    ],
  },
  CONV_INPUT_GRAD: {
    code: 3,
    layout: 'CONV',
    doc: 'Per image: `gx[n] = col2im(Wᵀ·g[n])`, group by group, overwriting it.',
    args: [
      ['g', 'ptr', 'The output gradient `[N, O, outH, outW]`.'],
      ['w', 'ptr', 'The weight.'],
      ['gx', 'ptr', 'The input gradient `[N, C, H, W]`.'],
      ...SCRATCH,
    ],
  },
  CONV_WEIGHT_GRAD: {
    code: 4,
    layout: 'CONV',
    doc: "Per group of images: partial sums of the weight gradient (`[C/G·kH·kW, O]`) and the bias's (f64).",
    args: [
      ['x', 'ptr', 'The input.'],
      ['g', 'ptr', 'The output gradient.'],
      ['partial', 'ptr', 'Weight-gradient partials, one per group of images; 0 skips them.'],
      ['partialStride', 'int', 'Bytes between two partials.'],
      ['biasPartial', 'ptr', 'Bias-gradient partials (f64); 0 skips them.'],
      ['biasPartialStride', 'int', 'Bytes between two bias partials.'],
      ['perGroup', 'int', 'Images per group (per chunk).'],
      ...SCRATCH,
    ],
  },
  MAX_POOL_2X2: {
    code: 5,
    doc: '2×2 max pooling at stride 2, a chunk of planes each.',
    args: [
      ['x', 'ptr', 'The input planes.'],
      ['height', 'int', 'Input rows.'],
      ['width', 'int', 'Input columns.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['out', 'ptr', 'The output planes.'],
      ['argmax', 'ptr', "The winners' positions (i32)."],
      ['planes', 'int', 'Planes in all.'],
      ['perChunk', 'int', 'Planes per chunk.'],
    ],
  },
  RELU: {
    code: 6,
    doc: '`out = max(x, 0)`, or its gradient `g · (x > 0)`, a chunk of elements each.',
    args: [
      ['x', 'ptr', 'The input.'],
      ['g', 'ptr', 'The output gradient, 0 for the forward pass.'],
      ['out', 'ptr', 'The output.'],
      ['n', 'int', 'Elements.'],
      ['perChunk', 'int', 'Elements per chunk (a multiple of 4).'],
    ],
  },
  WINOGRAD: {
    code: 7,
    doc: 'Per image: a 3×3 stride-1 correlation as Winograd F(2×2, 3×3) on transformed filters.',
    args: WINOGRAD_CORRELATION,
  },
  WINOGRAD_4X4: {
    code: 60,
    doc: 'A few images per chunk: a 3×3 stride-1 correlation as Winograd F(4×4, 3×3) on filters transformed by WINOGRAD_4X4_FILTERS, the images\' tiles the columns of one GEMM per ξ.',
    args: [['images', 'int', 'Images a chunk: chunk k computes images k·images … (fewer in the last).'], ...WINOGRAD_CORRELATION],
  },
  WINOGRAD_4X4_FILTERS: {
    code: 61,
    doc: 'The 3×3 filters transformed for Winograd F(4×4, 3×3) (36 ξ), a chunk of rows of U (output channels of the correlation) each.',
    args: WINOGRAD_FILTER_TRANSFORM,
  },
  COLS: {
    code: 8,
    doc: '`C (+)= op(A)·op(B)` split by columns: each chunk packs its own panels of op(B).',
    args: [
      ['transA', 'flag', 'A is stored transposed (`[k, m]`).'],
      ['transB', 'flag', 'B is stored transposed (`[n, k]`).'],
      ['m', 'int', 'Rows of C.'],
      ['n', 'int', 'Columns of C.'],
      ['k', 'int', 'The depth.'],
      ['a', 'ptr', 'A.'],
      ['b', 'ptr', 'B.'],
      ['c', 'ptr', 'C (`n` floats a row).'],
      ['accumulate', 'flag', 'Add into C rather than overwrite it.'],
      ['perChunk', 'int', 'Panels per chunk.'],
      ...SCRATCH,
    ],
  },
  CONV_FOLD_IM2COL: {
    code: 20,
    layout: 'CONV',
    doc: "`images` images per chunk: each image's columns into the batch's columns `[C·kH·kW, N·outH·outW]`.",
    args: [
      ['images', 'int', 'Images a chunk: chunk k writes the columns of images k·images … (fewer in the last).'],
      ['x', 'ptr', 'The input.'],
      ['cols', 'ptr', "The batch's columns."],
    ],
  },
  CONV_FOLD_COL2IM: {
    code: 21,
    layout: 'CONV',
    doc: "Per image: its columns of the batch's column gradient back into its input gradient (overwritten).",
    args: [
      ['cols', 'ptr', "The batch's column gradient."],
      ['gx', 'ptr', 'The input gradient.'],
    ],
  },
  DEPTHWISE_FORWARD: {
    code: 22,
    layout: 'CONV',
    doc: 'Depthwise forward pass, a chunk of `(n, c)` planes each.',
    args: [
      ['x', 'ptr', 'The input.'],
      ['w', 'ptr', 'The weight `[O, 1, kH, kW]`.'],
      ['bias', 'ptr', 'The bias, 0 for none.'],
      ['out', 'ptr', 'The output.'],
      ...SCRATCH,
      ...DEPTHWISE_PLANE,
      ['perChunk', 'int', 'Planes per chunk.'],
    ],
  },
  DEPTHWISE_INPUT_GRAD: {
    code: 23,
    layout: 'CONV',
    doc: 'Depthwise input gradient (overwritten), a chunk of `(n, c)` planes each.',
    args: [
      ['g', 'ptr', 'The output gradient.'],
      ['w', 'ptr', 'The weight.'],
      ['gx', 'ptr', 'The input gradient.'],
      ...SCRATCH,
      ...DEPTHWISE_PLANE,
      ['perChunk', 'int', 'Planes per chunk.'],
    ],
  },
  DEPTHWISE_WEIGHT_GRAD: {
    code: 24,
    layout: 'CONV',
    doc: 'Depthwise weight and bias gradients, a chunk of channels each (sums over the batch in image order).',
    args: [
      ['x', 'ptr', 'The input.'],
      ['g', 'ptr', 'The output gradient.'],
      ['gw', 'ptr', 'The weight gradient, 0 to skip it.'],
      ['gb', 'ptr', 'The bias gradient, 0 to skip it.'],
      ...SCRATCH,
      ...DEPTHWISE_PLANE,
      ['perChunk', 'int', 'Channels per chunk.'],
    ],
  },
  BATCH_NORM_FORWARD: {
    code: 30,
    doc: 'Batch normalisation forward (statistics in training), a chunk of channels each (see batchnorm.ts).',
    args: [
      ['x', 'ptr', 'The input `[n, c, s]`.'],
      ['out', 'ptr', 'The output.'],
      ['n', 'int', 'Images.'],
      ['c', 'int', 'Channels.'],
      ['s', 'int', 'Elements per plane.'],
      ['stats', 'ptr', 'f64 `[mean, invstd, variance]` per channel: read in evaluation, written in training.'],
      ['weight', 'ptr', 'The weight, 0 for none.'],
      ['bias', 'ptr', 'The bias, 0 for none.'],
      ['params', 'ptr', 'f64 `[eps]`.'],
      ['training', 'flag', 'Compute the batch statistics.'],
      ['perChunk', 'int', 'Channels per chunk.'],
    ],
  },
  BATCH_NORM_BACKWARD: {
    code: 31,
    doc: 'Batch normalisation backward: per-channel sums and the input gradient, a chunk of channels each.',
    args: [
      ['g', 'ptr', 'The output gradient.'],
      ['x', 'ptr', 'The input.'],
      ['gx', 'ptr', 'The input gradient, 0 to skip it.'],
      ['n', 'int', 'Images.'],
      ['c', 'int', 'Channels.'],
      ['s', 'int', 'Elements per plane.'],
      ['stats', 'ptr', 'f64 `[mean, invstd]` per channel.'],
      ['weight', 'ptr', 'The weight, 0 for none.'],
      ['sums', 'ptr', 'f64 `[sum g, sum g·(x − mean)]` per channel, written.'],
      ['training', 'flag', 'The statistics were the batch\'s (their gradient flows).'],
      ['perChunk', 'int', 'Channels per chunk.'],
    ],
  },
  SGD_MOMENTUM: {
    code: 40,
    doc: 'SGD with momentum, in place on x and buf, a chunk of elements each (see optim.ts).',
    args: [
      ['x', 'ptr', 'The parameter.'],
      ['g', 'ptr', 'Its gradient.'],
      ['buf', 'ptr', 'The momentum buffer.'],
      ['params', 'ptr', 'f64 `[lr, momentum, keep]`.'],
      ['n', 'int', 'Elements.'],
      ['perChunk', 'int', 'Elements per chunk (a multiple of 4).'],
    ],
  },
  ADAM: {
    code: 41,
    doc: 'An Adam/AdamW step, in place on x, m and v, a chunk of elements each (see optim.ts).',
    args: [
      ['x', 'ptr', 'The parameter.'],
      ['g', 'ptr', 'Its gradient.'],
      ['m', 'ptr', 'The first moment.'],
      ['v', 'ptr', 'The second moment.'],
      ['params', 'ptr', 'f64 `[beta1, beta2, 1 − beta1, 1 − beta2, eps, weightDecay, shrink, stepSize, biasCorrection2Sqrt]`.'],
      ['decoupled', 'flag', "AdamW: shrink x first."],
      ['l2', 'flag', "Adam's L2 penalty: add weightDecay·x to the gradient."],
      ['n', 'int', 'Elements.'],
      ['perChunk', 'int', 'Elements per chunk (a multiple of 4).'],
    ],
  },
  WINOGRAD_FILTERS: {
    code: 56,
    doc: 'The 3×3 filters transformed for Winograd, a chunk of rows of U (output channels of the correlation) each.',
    args: WINOGRAD_FILTER_TRANSFORM,
  },
  WINOGRAD_INPUT: {
    code: 53,
    doc: "The batch's Winograd input transform, `images` images per chunk: image n's tiles into columns n·T … of the packed V.",
    args: [
      ['images', 'int', 'Images a chunk: chunk k transforms images k·images … (fewer in the last).'],
      ['batch', 'int', 'Images N.'],
      ['inChannels', 'int', 'Input channels.'],
      ['height', 'int', 'Input rows.'],
      ['width', 'int', 'Input columns.'],
      ['padTop', 'int', 'Zero rows above the input.'],
      ['padLeft', 'int', 'Zero columns left of the input.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['x', 'ptr', 'The input.'],
      ['v', 'ptr', 'The packed V, 16 regions of `[panels, inChannels, 16]` floats.'],
      ['vStride', 'int', 'Bytes between the regions of V.'],
      ...SCRATCH,
    ],
  },
  WINOGRAD_PRODUCTS: {
    code: 54,
    doc: "The batch's 16 Winograd products M = U·V, a ξ and a block of output channels per chunk.",
    args: [
      ['inChannels', 'int', 'Input channels (the GEMMs\' depth).'],
      ['outChannels', 'int', 'Output channels (their rows).'],
      ['columns', 'int', 'Columns of V and M: the batch\'s tiles and 3 spare, in whole panels.'],
      ['filters', 'ptr', 'U, the filters transformed by WINOGRAD_FILTERS (for the weight gradient: M′).'],
      ['filtersStride', 'int', 'Bytes between the regions of U (`4·outChannels·inChannels` for the filters).'],
      ['v', 'ptr', 'The packed V.'],
      ['vStride', 'int', 'Bytes between the regions of V.'],
      ['m', 'ptr', 'M, 16 regions of `[outChannels, columns]` floats.'],
      ['mStride', 'int', 'Bytes between the regions of M.'],
      ['accumulate', 'flag', 'Add into M (the weight gradient\'s later groups) rather than overwrite it.'],
      ['rowsPerChunk', 'int', 'Output channels per chunk.'],
      ['rowBlocks', 'int', 'Chunks per ξ.'],
    ],
  },
  WINOGRAD_GRAD_TILES: {
    code: 58,
    doc: "The Winograd weight gradient's transforms of a group of images, `images` images per chunk: V by channel panels, M′ = A·dY·Aᵀ, and the bias sums.",
    args: [
      ['images', 'int', 'Images a chunk: chunk k transforms the group\'s images k·images … (fewer in the last).'],
      ['groupImages', 'int', 'Images of the group.'],
      ['inChannels', 'int', 'Input channels C.'],
      ['height', 'int', 'Input rows.'],
      ['width', 'int', 'Input columns.'],
      ['padTop', 'int', 'Zero rows above the input.'],
      ['padLeft', 'int', 'Zero columns left of the input.'],
      ['outChannels', 'int', 'Output channels O.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['first', 'int', 'The group\'s first image in the batch.'],
      ['tiles', 'int', 'Tiles of the group (the products\' depth): its images × tiles an image.'],
      ['x', 'ptr', 'The input `[N, C, H, W]`.'],
      ['grad', 'ptr', 'The output gradient `[N, O, outH, outW]`.'],
      ['v', 'ptr', 'V, 16 regions of `[⌈C/16⌉, tiles, 16]` floats.'],
      ['vStride', 'int', 'Bytes between the regions of V.'],
      ['m', 'ptr', 'M′, 16 regions of `[O, tiles]` floats.'],
      ['mStride', 'int', 'Bytes between the regions of M′.'],
      ['biasSums', 'ptr', 'f64 `[N, O]`: each image\'s gradient plane sums, 0 for none.'],
      ...SCRATCH,
    ],
  },
  WINOGRAD_WEIGHT_OUTPUT: {
    code: 59,
    doc: 'The Winograd weight gradient from Ŭ: `gw[o, c] = Gᵀ·Ŭ[·, o, c]·G`, a block of output channels per chunk.',
    args: [
      ['u', 'ptr', 'Ŭ, 16 regions of `[O, C]` floats.'],
      ['uStride', 'int', 'Bytes between the regions of Ŭ.'],
      ['outChannels', 'int', 'O.'],
      ['inChannels', 'int', 'C.'],
      ['gw', 'ptr', 'The weight gradient `[O, C, 3, 3]` (overwritten).'],
      ['perChunk', 'int', 'Output channels per chunk.'],
    ],
  },
  WINOGRAD_OUTPUT: {
    code: 55,
    doc: "The batch's Winograd output transform (+ bias), an image per chunk.",
    args: [
      ['outChannels', 'int', 'Output channels.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['columns', 'int', 'Columns of M.'],
      ['bias', 'ptr', 'The bias, 0 for none.'],
      ['m', 'ptr', 'M.'],
      ['mStride', 'int', 'Bytes between the regions of M.'],
      ['out', 'ptr', 'The output (overwritten).'],
    ],
  },
  HARDTANH: {
    code: 57,
    doc: 'Hardtanh (`x` clamped into `[lo, hi]`), or its gradient `g · (lo < x < hi)`, a chunk of elements each.',
    args: [
      ['x', 'ptr', 'The input.'],
      ['g', 'ptr', 'The output gradient, 0 for the forward pass.'],
      ['out', 'ptr', 'The output.'],
      ['loBits', 'int', 'The lower bound as its float32 bit pattern.'],
      ['hiBits', 'int', 'The upper bound as its float32 bit pattern.'],
      ['n', 'int', 'Elements.'],
      ['perChunk', 'int', 'Elements per chunk (a multiple of 4).'],
    ],
  },
  MAX_UNPOOL: {
    code: 62,
    doc: "A max pooling's gradient back into its input planes (zeroed first; a fused one's through its activation), a chunk of planes each (see pool.ts).",
    args: [
      ['grad', 'ptr', 'The pooled output\'s gradient `[planes, per]`.'],
      ['out', 'ptr', 'The pooled output (for the activation\'s mask), 0 without an activation.'],
      ['argmax', 'ptr', "Each window's winner within its plane (i32 `[planes, per]`)."],
      ['gz', 'ptr', 'The gradient of the pooling\'s input `[planes, size]` (overwritten).'],
      ['per', 'int', 'Windows a plane.'],
      ['size', 'int', 'Elements of an input plane.'],
      ['activation', 'int', '0 none (overlapping windows allowed), 1 ReLU, 2 ReLU6 (hardtanh on the bounds below).'],
      ['first', 'flag', 'The pooling ran before the activation.'],
      ['loBits', 'int', 'ReLU6\'s lower bound, as float32 bits.'],
      ['hiBits', 'int', 'ReLU6\'s upper bound, as float32 bits.'],
      ['planes', 'int', 'Planes in all.'],
      ['perChunk', 'int', 'Planes per chunk.'],
    ],
  },
  ADD: {
    code: 63,
    doc: '`out = a + b` elementwise (float32, one length; `out` may be `a` or `b`), a chunk of elements each.',
    args: [
      ['a', 'ptr', 'The first summand.'],
      ['b', 'ptr', 'The second summand.'],
      ['out', 'ptr', 'The sum.'],
      ['n', 'int', 'Elements.'],
      ['perChunk', 'int', 'Elements per chunk (a multiple of 4).'],
    ],
  },
  TRANSPOSE: {
    code: 64,
    doc: 'Matrices `[count, rows, cols]` transposed into `[count, cols, rows]`, a chunk of matrices each.',
    args: [
      ['src', 'ptr', 'The matrices.'],
      ['dst', 'ptr', 'Their transposes (not overlapping `src`).'],
      ['rows', 'int', 'Rows of a matrix.'],
      ['cols', 'int', 'Columns of a matrix.'],
      ['count', 'int', 'Matrices.'],
      ['perChunk', 'int', 'Matrices per chunk.'],
    ],
  },
  MAX_POOL: {
    code: 52,
    doc: 'Max pooling with any window, stride and padding, a chunk of planes each (see pool.ts).',
    args: [
      ['x', 'ptr', 'The input planes.'],
      ['height', 'int', 'Input rows.'],
      ['width', 'int', 'Input columns.'],
      ['kH', 'int', 'Window rows.'],
      ['kW', 'int', 'Window columns.'],
      ['strideH', 'int', 'Row stride.'],
      ['strideW', 'int', 'Column stride.'],
      ['padH', 'int', 'Implicit padding above and below.'],
      ['padW', 'int', 'Implicit padding left and right.'],
      ['outH', 'int', 'Output rows.'],
      ['outW', 'int', 'Output columns.'],
      ['out', 'ptr', 'The output planes.'],
      ['argmax', 'ptr', "The winners' positions (i32)."],
      ['planes', 'int', 'Planes in all.'],
      ['perChunk', 'int', 'Planes per chunk.'],
      ...SCRATCH,
    ],
  },
  DENSE_WRITE: {
    code: 50,
    doc: "The dense convolution's matrix D from the weight, a chunk of output channels each (see dense.ts).",
    args: [
      ['w', 'ptr', 'The weight, f32 `[O, C, kk]`.'],
      ['tapTable', 'ptr', 'i32 `[L, HW]`: the tap joining output position p to input position q, or −1.'],
      ['d', 'ptr', 'D, f32 `[O·L, C·HW]`.'],
      ['outChannels', 'int', 'Output channels O.'],
      ['channels', 'int', 'Input channels C.'],
      ['kernelTaps', 'int', 'Taps of the filter, kk = kH·kW.'],
      ['positions', 'int', 'Output positions L.'],
      ['inputs', 'int', 'Input positions HW.'],
      ['perChunk', 'int', 'Output channels per chunk.'],
    ],
  },
  DENSE_SUM_TAPS: {
    code: 51,
    doc: "The dense convolution's weight gradient from D's, a chunk of output channels each (see dense.ts).",
    args: [
      ['gd', 'ptr', "D's gradient in tap-friendly order, f32 `[L·O, HW·C]`."],
      ['pairs', 'ptr', 'i32: the number U of taps with pairs, U of (tap, end of its pairs), then the offset `p·O·HW·C + q·C` of each pair.'],
      ['gw', 'ptr', 'The weight gradient, f32 `[O, C, kk]`.'],
      ['outChannels', 'int', 'Output channels O.'],
      ['channels', 'int', 'Input channels C.'],
      ['kernelTaps', 'int', 'Taps of the filter, kk = kH·kW.'],
      ['inputs', 'int', 'Input positions HW.'],
      ['perChunk', 'int', 'Output channels per chunk.'],
    ],
  },
};

/** `outH` → `OUT_H`, `kH` → `K_H`, `scratchStride` → `SCRATCH_STRIDE`. */
export function upperSnake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `CONV_FORWARD` → `convForward`, `MAX_POOL_2X2` → `maxPool2x2`. */
export function camel(op) {
  return op.toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * Every op with its full argument list resolved: `{ op, code, doc, layout, fields }`, each field
 * `{ name, kind, doc, slot, constant }` (`slot` 1-based: word 0 is the op code). Throws on a name
 * used twice in one job, an AssemblyScript constant defined twice, or a job longer than JOB_WORDS.
 */
export function resolveJobs() {
  const constants = new Map([['JOB_OP', 'the op code']]);
  const claim = (name, owner) => {
    if (constants.has(name)) throw new Error(`wasm-schema: constant ${name} of ${owner} is already defined by ${constants.get(name)}`);
    constants.set(name, owner);
  };
  for (const [layout, { args }] of Object.entries(LAYOUTS)) {
    for (const [name] of args) claim(`${layout}_${upperSnake(name)}`, `layout ${layout}`);
  }
  const codes = new Map();
  return Object.entries(JOBS).map(([op, { code, doc, layout, args }]) => {
    if (codes.has(code)) throw new Error(`wasm-schema: ops ${codes.get(code)} and ${op} share code ${code}`);
    codes.set(code, op);
    const shared = layout === undefined ? [] : LAYOUTS[layout].args.map((a) => [...a, layout]);
    const all = [...shared, ...args.map((a) => [...a, op])];
    if (all.length + 1 > JOB_WORDS) throw new Error(`wasm-schema: ${op} has ${all.length} arguments; the job holds ${JOB_WORDS - 1}`);
    const names = new Set();
    const fields = all.map(([name, kind, fieldDoc, prefix], i) => {
      if (names.has(name)) throw new Error(`wasm-schema: ${op} has two arguments named ${name}`);
      if (!['int', 'ptr', 'flag'].includes(kind)) throw new Error(`wasm-schema: ${op}.${name} has unknown kind ${kind}`);
      names.add(name);
      const constant = `${prefix}_${upperSnake(name)}`;
      if (prefix === op) claim(constant, `op ${op}`);
      return { name, kind, doc: fieldDoc, slot: i + 1, constant };
    });
    return { op, code, doc, layout, fields };
  });
}

/** The op codes by name, as bytes.ts and the AssemblyScript `OP_*` constants carry them. */
export function opCodes() {
  return Object.fromEntries(Object.entries(JOBS).map(([op, { code }]) => [op, code]));
}
