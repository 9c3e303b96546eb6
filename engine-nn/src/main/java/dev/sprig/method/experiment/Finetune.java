package dev.sprig.method.experiment;

import dev.sprig.data.DataLoader;
import dev.sprig.nn.Module;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.nn.train.Evaluation;
import dev.sprig.nn.train.Trainer;
import dev.sprig.nn.train.TrainingDivergedException;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Fine-tuning with an accuracy curve: SGD (momentum 0.9, weight decay 5e-4, Nesterov) at a constant
 * learning rate after a linear warmup of {@value #WARMUP} iterations, evaluating on the test loader at
 * every budget point. A constant rate, and a warmup that does not depend on the budgets, make the
 * accuracy at budget b the accuracy of a run stopped at b, whatever the other budget points: one
 * run gives the whole curve, and curves of configs with other budget lists agree where they meet.
 */
public final class Finetune {
    private Finetune() {}

    /** Iterations of the linear warmup. */
    public static final int WARMUP = 10;

    /** What a fine-tuning run hooks into: called after every optimizer step (soft masks re-apply here). */
    public interface StepHook {
        void afterStep(Module model);

        StepHook NONE = m -> { };
    }

    /**
     * Fine-tunes {@code model} for {@code budgets}' last value iterations; returns the test accuracy
     * at every budget (0 = before any step).
     */
    public static List<CurvePoint> curve(Module model, DataLoader train, DataLoader test, List<Integer> budgets, double lr,
                                         StepHook hook, IntConsumer progress) {
        List<CurvePoint> out = new ArrayList<>();
        int total = budgets.get(budgets.size() - 1);
        Sgd sgd = new Sgd(model.namedParameters(), (float) lr, 0.9f, 5e-4f, true);
        int next = 0;
        int step = 0;
        int epoch = 0;
        if (budgets.get(0) == 0) {
            out.add(point(0, model, test));
            next = 1;
        }
        while (step < total) {
            try (DataLoader.Batches batches = train.epoch(epoch++)) {
                while (batches.hasNext() && step < total) {
                    DataLoader.Batch b = batches.next();
                    model.train(true);
                    sgd.setLearningRate((float) (step < WARMUP ? lr * (step + 1) / (WARMUP + 1) : lr));
                    model.zeroGrad();
                    Tensor loss = Functional.crossEntropy(model.forward(b.images()), b.labels());
                    float l = loss.item();
                    if (!Float.isFinite(l)) {
                        throw new TrainingDivergedException("fine-tuning loss is " + l + " at iteration " + (step + 1)
                                + " (learning rate " + lr + "); lower it");
                    }
                    loss.backward();
                    sgd.step();
                    hook.afterStep(model);
                    step++;
                    progress.accept(step);
                    if (next < budgets.size() && step == budgets.get(next)) {
                        out.add(point(step, model, test));
                        next++;
                    }
                }
            }
        }
        model.zeroGrad();
        return out;
    }

    private static CurvePoint point(int step, Module model, DataLoader test) {
        Evaluation e = Trainer.evaluate(model, test);
        return new CurvePoint(step, e.accuracy(), e.loss());
    }
}
