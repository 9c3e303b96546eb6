package dev.sprig.method;

import dev.sprig.nn.Module;
import dev.sprig.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The identity of a pre-trained model: SHA-256 over its state dict (names, shapes and the exact
 * float bits, in state-dict order). Masks are only meaningful for the model they were made from;
 * a mask bank records this and refuses any other model.
 */
public final class ModelFingerprint {
    private ModelFingerprint() {}

    /** {@code "sha256:<64 hex digits>"}. */
    public static String of(Module model) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            Tensor t = e.getValue();
            ByteBuffer head = ByteBuffer.allocate(4 * (1 + t.dim())).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(t.dim());
            for (int d : t.shape()) {
                head.putInt(d);
            }
            md.update(head.array());
            float[] data = t.rowMajorData();
            ByteBuffer buf = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(data);
            md.update(buf.array());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
