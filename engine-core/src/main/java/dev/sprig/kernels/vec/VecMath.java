package dev.sprig.kernels.vec;

import dev.sprig.kernels.KernelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic float math for the vector kernels, each function with a scalar definition that
 * performs the same IEEE operations in the same order (so a vector lane and its scalar twin agree
 * bit for bit).
 *
 * <p>Why not the Vector API's EXP/LOG/TANH operators and {@code reduceLanes(ADD)}: their results
 * depend on the JIT state. Before C2 compiles a kernel the Vector API runs a Java fallback (which
 * calls {@link Math} per lane and adds lanes in a different order), after it the SVML intrinsics:
 * the same call can differ by an ulp between its first and its thousandth run, and two threads of
 * one split can disagree. Everything here uses only add, mul, fma, compare, blend and integer
 * bit manipulation, which are exact and identical in every execution mode.
 *
 * <p>Accuracy (asserted by the tests against double): exp within 2 ulp over its whole range
 * (Cephes expf polynomial, Cody–Waite reduction with FMA); log within 2 ulp (Cephes logf);
 * tanh within 3 ulp.
 */
public final class VecMath {
    private static final VectorSpecies<Float> S = KernelConfig.FLOATS;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final int L = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer (ties to even). */
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    /** exp's argument is clamped here: below, the result is 0 (after rounding); above, +inf. */
    private static final float EXP_LO = -110f;
    private static final float EXP_HI = 89f;
    /** -126·ln 2 rounded up: from here down e^x is below 2^-126 and {@link #expNonPositive} returns 0. */
    private static final float EXP_FLUSH = -87.33654f;

    private static final float E1 = 1.9875691500e-4f;
    private static final float E2 = 1.3981999507e-3f;
    private static final float E3 = 8.3334519073e-3f;
    private static final float E4 = 4.1665795894e-2f;
    private static final float E5 = 1.6666665459e-1f;
    private static final float E6 = 5.0000001201e-1f;

    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float G0 = 7.0376836292e-2f;
    private static final float G1 = -1.1514610310e-1f;
    private static final float G2 = 1.1676998740e-1f;
    private static final float G3 = -1.2420140846e-1f;
    private static final float G4 = 1.4249322787e-1f;
    private static final float G5 = -1.6668057665e-1f;
    private static final float G6 = 2.0000714765e-1f;
    private static final float G7 = -2.4999993993e-1f;
    private static final float G8 = 3.3333331174e-1f;
    private static final float TWO_POW_23 = 8388608f;

    private static final float T0 = -5.70498872745e-3f;
    private static final float T1 = 2.06390887954e-2f;
    private static final float T2 = -5.37397155531e-2f;
    private static final float T3 = 1.33314422036e-1f;
    private static final float T4 = -3.33332819422e-1f;
    /** Below this |x| tanh uses its odd polynomial (1 - 2/(e^2x + 1) cancels near 0). */
    private static final float TANH_SMALL = 0.625f;

    private VecMath() {}

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }

    // ---------------------------------------------------------------- exp

    /**
     * e^x: x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-7 polynomial, then two exact scalings
     * by 2^(n/2) and 2^(n - n/2) (so subnormal results and the overflow to +inf come out right).
     * exp(-inf) = 0, exp(+inf) = +inf, exp(NaN) = NaN.
     */
    public static float exp(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        int k = Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS;
        float er = expReduced(c, n);
        int k1 = k >> 1;
        int k2 = k - k1;
        return er * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
    }

    /** e^r with r = c − n·ln2 (|r| <= ln2/2): the argument reduction and polynomial that exp and expNonPositive share. */
    private static float expReduced(float c, float n) {
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = E1;
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E6);
        float er = Math.fma(p, r * r, r) + 1f;
        return er;
    }

    /** Lanewise {@link #expReduced(float, float)}. */
    private static FloatVector expReduced(FloatVector c, FloatVector n) {
        FloatVector r = n.fma(bc(-LN2_HI), c);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, E1);
        p = p.fma(r, FloatVector.broadcast(S, E2));
        p = p.fma(r, FloatVector.broadcast(S, E3));
        p = p.fma(r, FloatVector.broadcast(S, E4));
        p = p.fma(r, FloatVector.broadcast(S, E5));
        p = p.fma(r, FloatVector.broadcast(S, E6));
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        return er;
    }

    /** Lanewise {@link #exp(float)}. */
    public static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = c.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        IntVector k = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
        FloatVector er = expReduced(c, n);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        // NaN survives the clamp (max/min propagate it) and the polynomial.
        return er.mul(s1).mul(s2);
    }

    /**
     * e^x for the non-positive arguments of a softmax ({@code x − max}): bit for bit {@link #exp(float)}
     * for {@code -87.33654 <= x <= 0} (results down to 2^-126), 0 below it, where exp's results
     * are subnormal (a softmax's terms are summed with its largest, 1, so they vanish there anyway).
     * x > 0 counts as 0 (result 1); exp(-inf) = 0, exp(NaN) = NaN. With x <= 0 the clamp at the top
     * and exp's scaling in two steps (kept there for subnormal results) are not needed: one exact
     * scaling by 2^n, a third fewer operations than exp.
     */
    public static float expNonPositive(float x) {
        float c = Math.min(Math.max(x, EXP_FLUSH), 0f);
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        int biased = Float.floatToRawIntBits(t) - (ROUND_MAGIC_BITS - 127);
        float er = expReduced(c, n);
        float e = er * Float.intBitsToFloat(biased << 23);
        return x < EXP_FLUSH ? 0f : e;
    }

    /** Lanewise {@link #expNonPositive(float)}. */
    public static FloatVector expNonPositive(FloatVector x) {
        FloatVector c = x.max(EXP_FLUSH).min(0f);
        FloatVector t = c.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        IntVector biased = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127);
        FloatVector er = expReduced(c, n);
        FloatVector e = er.mul(biased.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        // NaN survives the clamp and the polynomial; the comparison is false for it.
        return e.blend(0f, x.compare(VectorOperators.LT, EXP_FLUSH));
    }

    /**
     * {@link #expNonPositive(FloatVector)} for lanes known to be {@code <= 0} or NaN, as a softmax's
     * {@code s − max} is: bit for bit the same there. Its clamp to {@code [EXP_FLUSH, 0]} by
     * Java-semantics max and min (five AVX-512 instructions each) becomes one blend under the
     * compare that also flushes the result (x below EXP_FLUSH, -inf included, gives 0; NaN stays
     * NaN; the clamp at 0 does nothing for x <= 0): about a third fewer instructions in the
     * attention softmax's hot loop. A lane above 0 gets e^x, not expNonPositive's 1.
     */
    public static FloatVector expNonPositiveUnclamped(FloatVector x) {
        VectorMask<Float> flush = x.compare(VectorOperators.LT, EXP_FLUSH);
        FloatVector c = x.blend(EXP_FLUSH, flush);
        FloatVector t = c.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        IntVector biased = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127);
        FloatVector er = expReduced(c, n);
        return er.mul(biased.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).blend(0f, flush);
    }

    // ---------------------------------------------------------------- log

    /**
     * Natural logarithm: x = m·2^e with m in [√½, √2), log(1 + f) by Cephes' polynomial, plus e·ln2
     * in two parts. log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN; subnormal
     * inputs are scaled by 2^23 first.
     */
    public static float log(float x) {
        boolean sub = x < Float.MIN_NORMAL;
        float xs = sub ? x * TWO_POW_23 : x;
        int bits = Float.floatToRawIntBits(xs);
        int e = ((bits >> 23) & 0xff) - 126 - (sub ? 23 : 0);
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f000000); // [0.5, 1)
        boolean low = m < SQRT_HALF;
        float f = low ? (m + m) - 1f : m - 1f;
        float fe = low ? e - 1 : e;
        float z = f * f;
        float y = G0;
        y = Math.fma(y, f, G1);
        y = Math.fma(y, f, G2);
        y = Math.fma(y, f, G3);
        y = Math.fma(y, f, G4);
        y = Math.fma(y, f, G5);
        y = Math.fma(y, f, G6);
        y = Math.fma(y, f, G7);
        y = Math.fma(y, f, G8);
        y = y * f * z;
        y = Math.fma(fe, LN2_LO, y);
        y = Math.fma(-0.5f, z, y);
        float result = Math.fma(fe, LN2_HI, f + y);
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x < 0f || Float.isNaN(x)) {
            return Float.NaN;
        }
        return x == Float.POSITIVE_INFINITY ? x : result;
    }

    /** Lanewise {@link #log(float)}. */
    public static FloatVector log(FloatVector x) {
        var sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(TWO_POW_23), sub);
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.ASHR, 23).and(0xff).sub(126);
        e = e.blend(e.sub(23), sub.cast(I));
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        var low = m.compare(VectorOperators.LT, SQRT_HALF);
        FloatVector f = m.sub(1f).blend(m.add(m).sub(1f), low);
        FloatVector fe = e.convert(VectorOperators.I2F, 0).reinterpretAsFloats();
        fe = fe.blend(fe.sub(1f), low);
        FloatVector z = f.mul(f);
        FloatVector y = FloatVector.broadcast(S, G0);
        y = y.fma(f, FloatVector.broadcast(S, G1));
        y = y.fma(f, FloatVector.broadcast(S, G2));
        y = y.fma(f, FloatVector.broadcast(S, G3));
        y = y.fma(f, FloatVector.broadcast(S, G4));
        y = y.fma(f, FloatVector.broadcast(S, G5));
        y = y.fma(f, FloatVector.broadcast(S, G6));
        y = y.fma(f, FloatVector.broadcast(S, G7));
        y = y.fma(f, FloatVector.broadcast(S, G8));
        y = y.mul(f).mul(z);
        y = fe.fma(bc(LN2_LO), y);
        y = z.fma(bc(-0.5f), y);
        FloatVector result = fe.fma(bc(LN2_HI), f.add(y));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        result = result.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
        return result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
    }

    // ---------------------------------------------------------------- tanh

    /**
     * Hyperbolic tangent: an odd degree-11 polynomial (Cephes tanhf) for |x| < 0.625, else
     * sign(x)·(1 - 2/(e^(2|x|) + 1)). tanh(±inf) = ±1, tanh(NaN) = NaN.
     */
    public static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_SMALL) {
            float z = x * x;
            float p = T0;
            p = Math.fma(p, z, T1);
            p = Math.fma(p, z, T2);
            p = Math.fma(p, z, T3);
            p = Math.fma(p, z, T4);
            return Math.fma(p * z, x, x);
        }
        float big = 1f - 2f / (exp(ax + ax) + 1f);
        return x < 0f ? -big : big;
    }

    /** Lanewise {@link #tanh(float)}. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector p = FloatVector.broadcast(S, T0);
        p = p.fma(z, FloatVector.broadcast(S, T1));
        p = p.fma(z, FloatVector.broadcast(S, T2));
        p = p.fma(z, FloatVector.broadcast(S, T3));
        p = p.fma(z, FloatVector.broadcast(S, T4));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector ax = x.abs();
        FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return big.blend(small, ax.compare(VectorOperators.LT, TANH_SMALL));
    }

    // ---------------------------------------------------------------- lane sum

    /**
     * Sum of the lanes in a fixed order (lane 0 first, sequentially), unlike
     * {@code reduceLanes(ADD)} whose order differs between the Java fallback and the intrinsic.
     * Scalar code that must match it adds the same partial sums in the same order.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int k = 0; k < L; k++) {
            s += v.lane(k);
        }
        return s;
    }

    /** Lane permutations of {@link #treeSum}: step s swaps lanes {@code i} and {@code i ^ (L >> (s + 1))}. */
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] h = new VectorShuffle[steps];
        for (int s = 0; s < steps; s++) {
            int half = L >> (s + 1);
            h[s] = VectorShuffle.fromOp(S, i -> i ^ half);
        }
        return h;
    }

    /**
     * Sum of the lanes by pairwise halving (lane i plus lane i + L/2, then the same on the halves),
     * a fixed order whatever compiles it. log2(L) shuffle-and-add steps instead of the L dependent
     * adds of {@link #sumLanes}: row kernels over short rows (a layer norm over 24 features, a
     * softmax over 65 tokens) spent most of each row in sumLanes. Not bit-identical to sumLanes.
     */
    public static float treeSum(FloatVector v) {
        for (VectorShuffle<Float> h : HALVES) {
            v = v.add(v.rearrange(h));
        }
        return v.lane(0);
    }

    /** Scalar twin of {@link #treeSum} over {@code x[off .. off + L)}: the same pairwise order. */
    public static float treeSum(float[] x, int off) {
        float[] t = java.util.Arrays.copyOfRange(x, off, off + L);
        for (int half = L / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                t[i] = t[i] + t[i + half];
            }
        }
        return t[0];
    }
}
