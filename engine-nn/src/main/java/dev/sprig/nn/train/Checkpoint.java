package dev.sprig.nn.train;

import dev.sprig.nn.Module;
import dev.sprig.nn.io.SafeTensors;
import dev.sprig.nn.optim.AdamW;
import dev.sprig.nn.optim.Optimizer;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: the model's state dict under {@code model.},
 * the optimizer state under {@code optim.<parameter>.<key>}, and the step in the metadata.
 */
public final class Checkpoint {
    static final String FORMAT = "sprig-checkpoint-1";

    private Checkpoint() {}

    /** Writes the checkpoint atomically. */
    public static void save(Path file, Module model, Optimizer optimizer, long step, Map<String, String> extraMetadata)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        optimizer.state().forEach((param, s) -> s.forEach((key, t) -> tensors.put("optim." + param + "." + key, t)));
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(step));
        if (optimizer instanceof AdamW a) {
            meta.put("adamw_steps", Long.toString(a.steps()));
        }
        SafeTensors.write(file, tensors, meta);
    }

    /** Restores model and optimizer from the file and returns the step it was taken at. */
    public static long load(Path file, Module model, Optimizer optimizer) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        if (!FORMAT.equals(c.metadata().get("format"))) {
            throw new IOException(file + ": not a Sprig training checkpoint (format '" + c.metadata().get("format")
                    + "', expected '" + FORMAT + "')");
        }
        long step;
        long adamSteps = -1;
        try {
            step = Long.parseLong(c.metadata().get("step"));
            if (c.metadata().containsKey("adamw_steps")) {
                adamSteps = Long.parseLong(c.metadata().get("adamw_steps"));
            }
        } catch (NumberFormatException ex) {
            throw new IOException(file + ": bad step count in the checkpoint metadata " + c.metadata(), ex);
        }
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        Map<String, Map<String, Tensor>> optimState = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("model.")) {
                modelState.put(k.substring(6), e.getValue());
            } else if (k.startsWith("optim.")) {
                String rest = k.substring(6);
                int dot = rest.lastIndexOf('.');
                if (dot <= 0 || dot == rest.length() - 1) {
                    throw new IOException(file + ": optimizer state key '" + k + "' is not optim.<parameter>.<state>");
                }
                optimState.computeIfAbsent(rest.substring(0, dot), x -> new LinkedHashMap<>()).put(rest.substring(dot + 1), e.getValue());
            } else {
                throw new IOException(file + ": unexpected tensor '" + k + "' in a training checkpoint");
            }
        }
        Map<String, dev.sprig.nn.Parameter> params = model.namedParameters();
        for (Map.Entry<String, Map<String, Tensor>> e : optimState.entrySet()) {
            dev.sprig.nn.Parameter p = params.get(e.getKey());
            if (p == null) {
                throw new IOException(file + ": optimizer state for '" + e.getKey() + "', which the model does not have");
            }
            for (Map.Entry<String, Tensor> s : e.getValue().entrySet()) {
                if (!java.util.Arrays.equals(s.getValue().shape(), p.shape())) {
                    throw new IOException(file + ": optimizer state " + e.getKey() + "." + s.getKey() + " has shape "
                            + dev.sprig.tensor.Shape.str(s.getValue().shape()) + ", the parameter " + dev.sprig.tensor.Shape.str(p.shape()));
                }
            }
        }
        try {
            model.loadStateDict(modelState, true);
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + ": does not match the model: " + ex.getMessage(), ex);
        }
        optimizer.state().clear();
        optimizer.state().putAll(optimState);
        if (optimizer instanceof AdamW a && adamSteps >= 0) {
            a.setSteps(adamSteps);
        }
        return step;
    }
}
