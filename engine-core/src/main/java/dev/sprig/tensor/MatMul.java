package dev.sprig.tensor;

import dev.sprig.kernels.Parallel;
import dev.sprig.kernels.gemm.Sgemm;

/** Matrix products over (batched, broadcast) strided operands, dispatched to {@link Sgemm}. */
final class MatMul {
    private MatMul() {}

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul needs operands of rank >= 1, got shapes "
                    + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        if (a.dim() == 1 && b.dim() == 1) {
            return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape(); // the 0-d dot product
        }
        if (a.dim() == 1) {
            return matmul(a.unsqueeze(0), b).squeeze(-2);
        }
        if (b.dim() == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        int[] as = a.shape();
        int[] bs = b.shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        if (bs[bs.length - 2] != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(as) + " and " + Shape.str(bs)
                    + " are not aligned: " + k + " (dim -1 of the first) != " + bs[bs.length - 2] + " (dim -2 of the second)");
        }
        int[] batch = Shape.broadcast(java.util.Arrays.copyOf(as, as.length - 2), java.util.Arrays.copyOf(bs, bs.length - 2));
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        float[] out = new float[Shape.numel(outShape)];
        FlopCounter.add((long) Shape.numel(batch) * m * n * k);
        multiply(a.detach(), b.detach(), batch, m, n, k, out);
        Tensor result = Tensor.wrap(out, outShape);
        return Autograd.record(result, "matmul", (g, needs) -> new Tensor[] {
                // dA = dC · Bᵀ, dB = Aᵀ · dC, each summed over the batch dims the operand was broadcast along.
                needs[0] ? Reductions.sumToShape(g.matmul(b.detach().transpose(-1, -2)), as) : null,
                needs[1] ? Reductions.sumToShape(a.detach().transpose(-1, -2).matmul(g), bs) : null}, a, b);
    }

    /** One operand matrix's GEMM view: transposed or not, leading dimension, and the tensor. */
    private record Operand(Tensor t, boolean trans, int ld) {}

    private static Operand operand(Tensor t, int rows, int cols) {
        int[] st = t.strides();
        int r = st.length;
        int sRow = st[r - 2];
        int sCol = st[r - 1];
        if ((sCol == 1 || cols <= 1) && sRow >= Math.max(1, cols)) {
            return new Operand(t, false, Math.max(sRow, Math.max(1, cols)));
        }
        if ((sRow == 1 || rows <= 1) && sCol >= Math.max(1, rows)) {
            return new Operand(t, true, Math.max(sCol, Math.max(1, rows)));
        }
        Tensor c = t.contiguous();
        return new Operand(c, false, Math.max(1, cols));
    }

    private static void multiply(Tensor a, Tensor b, int[] batch, int m, int n, int k, float[] out) {
        int batches = Shape.numel(batch);
        if (batches == 0 || m == 0 || n == 0) {
            return;
        }
        int[] aFull = java.util.Arrays.copyOf(batch, batch.length + 2);
        aFull[batch.length] = m;
        aFull[batch.length + 1] = k;
        int[] bFull = java.util.Arrays.copyOf(batch, batch.length + 2);
        bFull[batch.length] = k;
        bFull[batch.length + 1] = n;
        Operand oa = operand(a.expand(aFull), m, k);
        Operand ob = operand(b.expand(bFull), k, n);
        int[] aBatchStrides = java.util.Arrays.copyOf(Strided.broadcastStrides(oa.t, aFull), batch.length);
        int[] bBatchStrides = java.util.Arrays.copyOf(Strided.broadcastStrides(ob.t, bFull), batch.length);
        float[] ad = oa.t.storage();
        float[] bd = ob.t.storage();
        int threads = Parallel.threads();
        if (batches == 1) {
            Sgemm.sgemm(oa.trans, ob.trans, m, n, k, 1f, ad, oa.t.offset(), oa.ld, bd, ob.t.offset(), ob.ld, 0f, out, 0, n, threads);
            return;
        }
        // Many small products: one product per worker, each single-threaded (same arithmetic either way).
        Parallel.forRange(batches, threads, (from, to) -> {
            for (int i = from; i < to; i++) {
                int aOff = oa.t.offset();
                int bOff = ob.t.offset();
                int rem = i;
                for (int d = batch.length - 1; d >= 0; d--) {
                    int idx = rem % batch[d];
                    rem /= batch[d];
                    aOff += idx * aBatchStrides[d];
                    bOff += idx * bBatchStrides[d];
                }
                Sgemm.sgemm(oa.trans, ob.trans, m, n, k, 1f, ad, aOff, oa.ld, bd, bOff, ob.ld, 0f, out, i * m * n, n, 1);
            }
        });
    }
}
