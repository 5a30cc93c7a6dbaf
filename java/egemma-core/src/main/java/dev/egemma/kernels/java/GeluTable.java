// SPDX-License-Identifier: Apache-2.0
package dev.egemma.kernels.java;

/**
 * ggml's GELU lookup table ({@code ggml_table_gelu_f16}): for every fp16 bit pattern {@code i},
 * {@code table[i] = fp16(gelu_f32(fp32(i)))} with ggml's float tanh formula.
 */
final class GeluTable {
    private static final float GELU_COEF_A = 0.044715f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    /** fp16 GELU values as floats, indexed by the fp16 bits of x. */
    static final float[] TABLE = build();

    private GeluTable() {}

    private static float[] build() {
        float[] t = new float[1 << 16];
        for (int i = 0; i < t.length; i++) {
            float x = Float.float16ToFloat((short) i);
            t[i] = Float.float16ToFloat(Float.floatToFloat16(geluF32(x)));
        }
        return t;
    }

    static float geluF32(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    /** ggml_vec_geglu_f32 for one element. */
    static float geluMul(float x, float g) {
        if (x <= -10.0f) return 0.0f;
        if (x >= 10.0f) return x * g;
        return TABLE[Float.floatToFloat16(x) & 0xffff] * g;
    }
}
