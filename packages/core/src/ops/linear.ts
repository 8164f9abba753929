/**
 * The affine map of a fully connected layer, `x·Wᵀ + b`, as one recorded op over the GEMM kernel.
 *
 * The composition `matmul(x, transpose(W)) + b` copies `Wᵀ` forward and `(gWᵀ)ᵀ` backward, and adds
 * the bias as a separate broadcast op with its own reduction; here the transposes are GEMM flags and
 * the bias rides along, so a step touches each operand once. The bias is added after the product
 * (not pre-filled into it), so the result has the same bits as that composition on 2-D input.
 */
import { type FloatArray, allocateOutput } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { sizeOf } from '../shape.js';
import { Tensor, gradStorage, RAW } from '../tensor.js';
import { record } from '../autograd.js';
import { checkFloat, fmtValue } from '../check.js';
import { kernels } from '../kernels/backend.js';
import { sumAxis } from '../kernels/elementwise.js';

/** Throws unless `t` is float and of the input's dtype (PyTorch's rule: no silent promotion). */
function checkDType(name: string, t: Tensor, x: Tensor, ctx: string): void {
  checkFloat('linear', name, t, ctx);
  if (t.dtype !== x.dtype) {
    throw new DTypeError('linear', `${name} is ${t.dtype} but input is ${x.dtype}; convert one with .to('${x.dtype}') or .to('${t.dtype}') ${ctx}`);
  }
}

/**
 * Applies an affine map over the last dimension (PyTorch's `F.linear`):
 * `out[..., o] = bias[o] + Σ_i x[..., i] · weight[o, i]`, i.e. `x · weightᵀ + bias`.
 *
 * One GEMM with a transposed operand forward (`weight` is read in its `[out, in]` layout, never
 * copied), and in backward `gx = g · weight`, `gweight = gᵀ · x` (over all leading dimensions of `x`
 * at once) and `gbias` = the column sums of `g`. The input, weight and bias must share one float
 * dtype: as in PyTorch, mixing float32 and float64 is an error rather than a silent promotion.
 *
 * Shape: x `[..., in]` (any number of leading dimensions, or none), weight `[out, in]`, bias `[out]`
 * → `[..., out]`.
 *
 * @example
 * const x = sg.normal([8, 32]);
 * const w = sg.normal([10, 32], { requiresGrad: true });
 * const b = sg.zeros([10], { requiresGrad: true });
 * const y = sg.linear(x, w, b);     // [8, 10]
 * y.sum().backward();               // w.grad: [10, 32], b.grad: [10]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  // PyTorch's positional bias; an options object ({ bias }) here would otherwise be read as a tensor.
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) {
    throw new ArgumentError('linear', `bias must be a Tensor or null (the third positional argument, as in PyTorch), got ${fmtValue(bias)}`);
  }
  const ctx = `(input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''})`;
  checkFloat('linear', 'input', x, ctx);
  checkDType('weight', weight, x, ctx);
  if (bias) checkDType('bias', bias, x, ctx);
  if (x.ndim === 0) throw new ShapeError('linear', `input must have at least 1 dimension [..., inFeatures], got a scalar ${ctx}`);
  if (weight.ndim !== 2) throw new ShapeError('linear', `weight must be 2-D [outFeatures, inFeatures], got ${weight.ndim}-D ${ctx}`);
  const [outF, inF] = weight.shape;
  const features = x.shape[x.ndim - 1];
  if (features !== inF) {
    throw new ShapeError('linear', `input has ${features} feature${features === 1 ? '' : 's'} but weight expects ${inF} ${ctx}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError('linear', `bias must have shape [${outF}] (one value per output feature), got ${fmtShape(bias.shape)} ${ctx}`);
  }

  const rows = sizeOf(x.shape.slice(0, -1)); // every leading dimension is one batch of rows
  const xd = x[RAW] as FloatArray;
  const wd = weight[RAW] as FloatArray;
  const out = allocateOutput(x.dtype, rows * outF) as FloatArray;
  const K = kernels();
  K.gemm(false, true, rows, outF, inF, xd, 0, wd, 0, out, 0, false);
  if (bias) {
    const bd = bias[RAW];
    for (let r = 0; r < rows; r++) {
      const base = r * outF;
      for (let o = 0; o < outF; o++) out[base + o] += bd[o];
    }
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('linear', new Tensor(out, [...x.shape.slice(0, -1), outF]), inputs, (g) => {
    const gd = g[RAW] as FloatArray;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocateOutput(x.dtype, x.size) as FloatArray;
      K.gemm(false, false, rows, inF, outF, gd, 0, wd, 0, d, 0, false);
      gx = new Tensor(d, x.shape);
    }
    if (weight.requiresGrad) {
      const d = gradStorage(weight);
      K.gemm(true, false, outF, inF, rows, gd, 0, xd, 0, d, 0, false);
      gw = new Tensor(d, weight.shape);
    }
    if (bias?.requiresGrad) {
      const d = gradStorage(bias);
      sumAxis(gd, 1, rows, outF, d);
      gb = new Tensor(d, [outF]);
    }
    return [gx, gw, gb];
  }, true); // fresh gradients: the engine hands them on (to .grad) without a copy
}
