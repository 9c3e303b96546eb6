package dev.sprig.onnx.conformance;

import static dev.sprig.onnx.conformance.OpFn.out;

import dev.sprig.tensor.Tensor;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/** Pointwise ONNX operators on Sprig's broadcasting {@link Tensor} methods. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void register(Map<String, OpFn> table) {
        binary(table, "Add", Tensor::add);
        binary(table, "Sub", Tensor::sub);
        binary(table, "Mul", Tensor::mul);
        binary(table, "Div", Tensor::div);
        unary(table, "Relu", Tensor::relu);
        unary(table, "Sigmoid", Tensor::sigmoid);
        unary(table, "Tanh", Tensor::tanh);
        unary(table, "Exp", Tensor::exp);
        unary(table, "Log", Tensor::log);
        unary(table, "Sqrt", Tensor::sqrt);
        unary(table, "Abs", Tensor::abs);
        unary(table, "Neg", Tensor::neg);
        unary(table, "Identity", t -> t);
        table.put("Gelu", ElementwiseOps::gelu);
        table.put("Pow", ElementwiseOps::pow);
        table.put("Dropout", ElementwiseOps::dropout);
    }

    private static void binary(Map<String, OpFn> table, String op, BinaryOperator<Tensor> f) {
        table.put(op, c -> {
            c.attrs().allow();
            return out(f.apply(c.x(0), c.x(1)));
        });
    }

    private static void unary(Map<String, OpFn> table, String op, UnaryOperator<Tensor> f) {
        table.put(op, c -> {
            c.attrs().allow();
            return out(f.apply(c.x(0)));
        });
    }

    private static Value[] gelu(NodeCall c) throws Unsupported {
        c.attrs().allow("approximate");
        String approximate = c.attrs().s("approximate", "none");
        if (!approximate.equals("none")) {
            throw new Unsupported("Gelu approximate=" + approximate + ": Sprig's GELU is the exact erf form");
        }
        return out(c.x(0).gelu());
    }

    /** Sprig's pow takes one scalar exponent: a one-element exponent tensor maps, anything else does not. */
    private static Value[] pow(NodeCall c) throws Unsupported {
        c.attrs().allow();
        Value e = c.in(1);
        int[] es = e.shapeOf();
        if (dev.sprig.tensor.Shape.numel(es) != 1) {
            throw new Unsupported("Pow with an exponent tensor of shape " + dev.sprig.tensor.Shape.str(es)
                    + ": Sprig's pow takes one scalar exponent");
        }
        float exponent = e instanceof Value.Ints i ? i.values()[0] : e.floats("Pow").item();
        Tensor y = c.x(0).pow(exponent);
        // The exponent's rank still broadcasts into the output shape.
        int[] outShape = dev.sprig.tensor.Shape.broadcast(y.shape(), es);
        return out(y.reshape(outShape));
    }

    /** Inference-mode dropout is the identity (Sprig's dropout with training=false). */
    private static Value[] dropout(NodeCall c) throws Unsupported {
        c.attrs().allow("seed", "ratio", "is_test");
        c.maxOutputs(1, "the mask");
        if (c.in(2) != null) {
            throw new Unsupported("Dropout training_mode input: the mask comes from NumPy's generator");
        }
        float ratio = c.in(1) == null ? c.attrs().f("ratio", 0.5f) : c.x(1).item();
        return out(dev.sprig.ops.Functional.dropout(c.x(0), ratio, false, new java.util.Random(0)));
    }
}
