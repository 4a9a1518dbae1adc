/**
 * Orthonormal bases of the space spanned by a screenshot's keys, and the residual of other
 * keys against them. Matrices are plain row-major `Float64Array`s.
 */

/**
 * Returns the first `rank` columns of `Q` in the reduced QR decomposition of `Kᵀ`, where
 * `K` `[tokens, headDim]` has one key per row, as rows of a `[rank, headDim]` matrix.
 *
 * The QR is unpivoted Householder with LAPACK's sign choice (`β = −sign(x₀)·‖x‖`), so the
 * columns match `torch.linalg.qr(Kᵀ).Q[:, :rank]` up to rounding. They span the keys of
 * the first `rank` tokens, not a principal subspace. When those keys are linearly
 * dependent the extra columns are the Householder reflectors' own directions, which
 * other QR implementations may choose differently.
 *
 * @param keys `[tokens, headDim]`
 * @param rank at most `min(tokens, headDim)`
 */
export function firstKeysBasis(keys: Float64Array, tokens: number, headDim: number, rank: number): Float64Array {
  // Column c of the working matrix (stored as row c here) is key c; only the first `rank` keys matter.
  const columns = keys.slice(0, rank * headDim);
  const reflectors: Float64Array[] = [];
  for (let k = 0; k < rank; k++) {
    const length = headDim - k;
    const v = columns.slice(k * headDim + k, (k + 1) * headDim);
    let tail = 0;
    for (let i = 1; i < length; i++) tail += v[i]! * v[i]!;
    // Like LAPACK, a column with nothing below the diagonal gets no reflection (H = I).
    if (tail === 0) {
      reflectors.push(new Float64Array(length));
      continue;
    }
    const x0 = v[0]!;
    const norm = Math.sqrt(x0 * x0 + tail);
    const beta = x0 >= 0 ? -norm : norm;
    v[0] = x0 - beta;
    let vNorm = 0;
    for (const x of v) vNorm += x * x;
    vNorm = Math.sqrt(vNorm);
    for (let i = 0; i < length; i++) v[i] = v[i]! / vNorm;
    reflectors.push(v);
    for (let c = k; c < rank; c++) applyReflector(columns, c * headDim + k, v);
  }

  // Q[:, :rank] = H₀ H₁ … H_{rank−1} I[:, :rank], applied from the last reflector backwards.
  const basis = new Float64Array(rank * headDim);
  for (let c = 0; c < rank; c++) basis[c * headDim + c] = 1;
  for (let k = rank - 1; k >= 0; k--) {
    const v = reflectors[k]!;
    for (let c = 0; c < rank; c++) applyReflector(basis, c * headDim + k, v);
  }
  return basis;
}

/** Applies `I − 2 v vᵀ` to `vector[offset … offset + v.length)` in place. */
function applyReflector(vector: Float64Array, offset: number, v: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < v.length; i++) dot += v[i]! * vector[offset + i]!;
  if (dot === 0) return;
  for (let i = 0; i < v.length; i++) vector[offset + i] = vector[offset + i]! - 2 * dot * v[i]!;
}

/**
 * Returns an orthonormal basis `[r, headDim]` of the principal `rank`-dimensional subspace
 * of the keys: the top left singular vectors of `Kᵀ` (no centring, as for the QR variant).
 * Directions with a singular value below `1e-10` times the largest are left out, so `r`
 * can be smaller than `rank` when the keys span fewer dimensions.
 *
 * The singular vectors come from a Jacobi eigendecomposition of the smaller Gram matrix
 * (`K Kᵀ` or `Kᵀ K`), so the cost is cubic in `min(tokens, headDim)`.
 *
 * @param keys `[tokens, headDim]`
 */
export function principalKeysBasis(keys: Float64Array, tokens: number, headDim: number, rank: number): Float64Array {
  const byTokens = tokens <= headDim;
  const size = byTokens ? tokens : headDim;
  const gram = new Float64Array(size * size);
  for (let a = 0; a < size; a++) {
    for (let b = a; b < size; b++) {
      let sum = 0;
      if (byTokens) for (let d = 0; d < headDim; d++) sum += keys[a * headDim + d]! * keys[b * headDim + d]!;
      else for (let t = 0; t < tokens; t++) sum += keys[t * headDim + a]! * keys[t * headDim + b]!;
      gram[a * size + b] = sum;
      gram[b * size + a] = sum;
    }
  }
  const { values, vectors } = symmetricEigen(gram, size);
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
  const largest = Math.max(values[order[0]!] ?? 0, 0);

  const basis: Float64Array[] = [];
  for (const index of order.slice(0, rank)) {
    const value = values[index]!;
    if (!(value > 1e-20 * largest) || value <= 0) break;
    const direction = new Float64Array(headDim);
    if (byTokens) {
      // A left singular vector of Kᵀ is Kᵀ u / σ for an eigenvector u of K Kᵀ.
      for (let t = 0; t < tokens; t++) {
        const weight = vectors[t * size + index]!;
        for (let d = 0; d < headDim; d++) direction[d] = direction[d]! + weight * keys[t * headDim + d]!;
      }
    } else {
      for (let d = 0; d < headDim; d++) direction[d] = vectors[d * size + index]!;
    }
    // Re-orthogonalise against the vectors already taken, which rounding leaves slightly skewed.
    for (const previous of basis) {
      let dot = 0;
      for (let d = 0; d < headDim; d++) dot += previous[d]! * direction[d]!;
      for (let d = 0; d < headDim; d++) direction[d] = direction[d]! - dot * previous[d]!;
    }
    let norm = 0;
    for (const x of direction) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm === 0) break;
    for (let d = 0; d < headDim; d++) direction[d] = direction[d]! / norm;
    basis.push(direction);
  }
  const out = new Float64Array(basis.length * headDim);
  basis.forEach((row, r) => out.set(row, r * headDim));
  return out;
}

/**
 * Eigendecomposition of a symmetric matrix `[size, size]` by cyclic Jacobi rotations.
 * Returns the eigenvalues and the eigenvectors as the columns of `vectors` `[size, size]`.
 */
export function symmetricEigen(matrix: Float64Array, size: number): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const vectors = new Float64Array(size * size);
  for (let i = 0; i < size; i++) vectors[i * size + i] = 1;
  let total = 0;
  for (const x of a) total += x * x;
  const tolerance = 1e-30 * total;

  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) offDiagonal += a[p * size + q]! ** 2;
    if (offDiagonal <= tolerance) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (apq === 0) continue;
        const app = a[p * size + p]!;
        const aqq = a[q * size + q]!;
        // The rotation angle that zeroes a[p, q], computed in the numerically stable form.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = vectors[k * size + p]!;
          const vkq = vectors[k * size + q]!;
          vectors[k * size + p] = c * vkp - s * vkq;
          vectors[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = a[i * size + i]!;
  return { values, vectors };
}

/**
 * Returns `‖k − B Bᵀ k‖₂` for every key `k` (rows of `keys` `[count, headDim]`), with the
 * orthonormal basis `B` given as rows `[rank, headDim]`.
 */
export function projectionResiduals(keys: Float64Array, count: number, headDim: number, basis: Float64Array): Float64Array {
  const rank = basis.length / headDim;
  const residuals = new Float64Array(count);
  const rest = new Float64Array(headDim);
  for (let t = 0; t < count; t++) {
    rest.set(keys.subarray(t * headDim, (t + 1) * headDim));
    for (let r = 0; r < rank; r++) {
      let dot = 0;
      for (let d = 0; d < headDim; d++) dot += basis[r * headDim + d]! * rest[d]!;
      for (let d = 0; d < headDim; d++) rest[d] = rest[d]! - dot * basis[r * headDim + d]!;
    }
    let norm = 0;
    for (const x of rest) norm += x * x;
    residuals[t] = Math.sqrt(norm);
  }
  return residuals;
}
