package dev.sprig.onnx;

import dev.sprig.nn.Module;
import java.lang.reflect.Field;

/**
 * Reads hyper-parameters that engine-nn's layers keep in private fields without accessors
 * ({@code BatchNorm2d.eps}, {@code LayerNorm.eps}, the pooling layers' kernel, stride and padding).
 * The exporter needs their exact values; once those classes expose getters this class goes away.
 * A renamed field fails loudly here rather than exporting a wrong value.
 */
final class ModuleFields {
    private ModuleFields() {}

    static float floatField(Module m, String name) {
        return (float) read(m, name, float.class);
    }

    static int intField(Module m, String name) {
        return (int) read(m, name, int.class);
    }

    private static Object read(Module m, String name, Class<?> type) {
        try {
            Field f = m.getClass().getDeclaredField(name);
            if (f.getType() != type) {
                throw new IllegalStateException(m.getClass().getName() + "." + name + " is a " + f.getType() + ", expected " + type);
            }
            f.setAccessible(true);
            return f.get(m);
        } catch (NoSuchFieldException | IllegalAccessException e) {
            throw new IllegalStateException("OnnxExport reads " + m.getClass().getName() + "." + name
                    + " and cannot: " + e + " (engine-nn changed; give the layer an accessor)", e);
        }
    }
}
