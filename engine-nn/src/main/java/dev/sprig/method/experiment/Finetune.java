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
 * Fine-tuning with an accuracy curve: SGD (momentum 0.9, weight decay 5e-4, Nesterov) after a linear
 * warmup of {@value #WARMUP} iterations, evaluating on the test loader at every budget point. After
 * the warmup the learning rate is constant (schedule {@code constant}) or decays along a cosine to 0
 * at the last budget point (schedule {@code cosine}); see {@link #learningRate}.
 *
 * <p>A constant rate, and a warmup that does not depend on the budgets, make the accuracy at budget
 * b the accuracy of a run stopped at b, whatever the other budget points: one run gives the whole
 * curve, and curves of configs with other budget lists agree where they meet. Under {@code cosine}
 * only the last point is a run that ended where its schedule did; an earlier point is a run heading
 * for the last one, stopped early, and depends on the last budget.
 */
public final class Finetune {
    private Finetune() {}

    /** Iterations of the linear warmup. */
    public static final int WARMUP = 10;

    /** The learning-rate schedules after the warmup. */
    public static final List<String> SCHEDULES = List.of("constant", "cosine");

    /**
     * The learning rate of fine-tuning iteration {@code step} (0-based). The warmup, the same in both
     * schedules, is {@code lr · (step + 1) / (WARMUP + 1)} for {@code step < WARMUP}. After it,
     * {@code constant} keeps {@code lr}; {@code cosine} gives
     * {@code lr · (1 + cos(π · (step − WARMUP) / (lastBudget − WARMUP))) / 2}: {@code lr} at
     * {@code step = WARMUP}, {@code lr / 2} halfway, and 0 at {@code step = lastBudget}, just after the
     * last iteration ({@code lastBudget − 1}), so that no iteration is spent at rate 0 (PyTorch's
     * {@code CosineAnnealingLR} convention; {@link dev.sprig.nn.optim.LrSchedule.CosineWithWarmup}
     * warms up over other steps, so it would change the warmup that {@code constant} has always had).
     * From {@code lastBudget} on (or past the warmup when {@code lastBudget <= WARMUP}), {@code cosine} gives 0.
     *
     * @param lastBudget the iterations of the whole fine-tuning (the last budget point); unused by {@code constant}
     */
    public static double learningRate(String schedule, int step, double lr, int lastBudget) {
        if (schedule == null || !SCHEDULES.contains(schedule)) {
            throw new IllegalArgumentException("unknown fine-tuning schedule '" + schedule + "', expected one of " + SCHEDULES);
        }
        if (step < 0 || lastBudget < 0) {
            throw new IllegalArgumentException("fine-tuning step " + step + " of " + lastBudget + " iterations: expected both >= 0");
        }
        if (step < WARMUP) {
            return lr * (step + 1) / (WARMUP + 1);
        }
        if (schedule.equals("constant")) {
            return lr;
        }
        if (step >= lastBudget) {
            return 0;
        }
        return lr * 0.5 * (1 + Math.cos(Math.PI * (step - WARMUP) / (lastBudget - WARMUP)));
    }

    /** What a fine-tuning run hooks into: called after every optimizer step (soft masks re-apply here). */
    public interface StepHook {
        void afterStep(Module model);

        StepHook NONE = m -> { };
    }

    /** {@link #curve(Module, DataLoader, DataLoader, List, double, String, StepHook, IntConsumer)} at a constant rate. */
    public static List<CurvePoint> curve(Module model, DataLoader train, DataLoader test, List<Integer> budgets, double lr,
                                         StepHook hook, IntConsumer progress) {
        return curve(model, train, test, budgets, lr, "constant", hook, progress);
    }

    /**
     * Fine-tunes {@code model} for {@code budgets}' last value iterations with the learning rates of
     * {@link #learningRate} ({@code schedule}, {@code lr}, the last budget); returns the test accuracy
     * at every budget (0 = before any step).
     */
    public static List<CurvePoint> curve(Module model, DataLoader train, DataLoader test, List<Integer> budgets, double lr,
                                         String schedule, StepHook hook, IntConsumer progress) {
        List<CurvePoint> out = new ArrayList<>();
        int total = budgets.get(budgets.size() - 1);
        learningRate(schedule, 0, lr, total); // an unknown schedule fails before any evaluation
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
                    sgd.setLearningRate((float) learningRate(schedule, step, lr, total));
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
