package dev.sprig.method.experiment;

import dev.sprig.method.TaskSimilarity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of an experiment (METHOD.md), with the method's defaults. Built from a preset
 * ({@link #preset}) or from a map of overrides ({@link #withOverrides}), e.g. a JSON config file;
 * an unknown key or a bad value is an error that names it.
 *
 * @param name                 a name for the report
 * @param dataset              {@code shapes} (generated) or {@code fashion_mnist}
 * @param shapesTrainPerClass  generated training images per class (shapes only)
 * @param shapesTestPerClass   generated test images per class (shapes only)
 * @param model                {@code resnet<6n+2>} (CIFAR ResNet) or {@code vit} (the small ViT)
 * @param widthMultiplier      the ResNet's width multiplier
 * @param pretrainEpochs       epochs of pre-training θ0 on all classes
 * @param pretrainBatch        its batch size
 * @param classesPerTask       classes of every source and target task
 * @param trainPerClass        training images per class of a task (a cap)
 * @param testPerClass         test images per class of a task (a cap; 0 = all)
 * @param bankTasks            N source tasks in the bank
 * @param targetTasks          M held-out target tasks (class sets never in the bank)
 * @param keepRatios           target sizes, as kept fractions of the parameters (or MACs, see {@code budget}) of θ0 with the
 *                             task's head (distinct)
 * @param budget               what a keep ratio is a fraction of: {@code params} (default: the parameters) or {@code macs} (the
 *                             multiply-accumulates of one forward pass on one image), for every pruned method, the bank's
 *                             iterative pruning included (so that a vote's masks are made for the same kind of size); the
 *                             dense model is unaffected
 * @param bankRounds           pruning rounds of the bank's iterative method
 * @param bankStepsPerRound    fine-tuning iterations after each round
 * @param bankImportance       {@code taylor} (default) or {@code l1}: of the bank's method and the iterative baseline
 * @param neighbours           K
 * @param temperature          tau of the softmax vote (finite, > 0)
 * @param weighting            {@code softmax} or {@code uniform}
 * @param similarity           {@code PROTOTYPES} or {@code MEAN_FEATURE}
 * @param layerRatios          {@code neighbours} (default), {@code uniform} or {@code global}
 * @param roundTo              kept unit counts rounded to a multiple of this
 * @param embeddingPerClass    images per class for the task embedding and the Taylor scores
 * @param finetuneBudgets      fine-tuning iterations at which accuracy is measured, ascending, from 0
 * @param finetuneBatch        fine-tuning batch size
 * @param finetuneLr           fine-tuning learning rate (SGD, momentum 0.9, after a warmup of {@link Finetune#WARMUP} iterations)
 * @param finetuneSchedule     the fine-tuning learning rate after the warmup ({@link Finetune#learningRate}): {@code constant}
 *                             (default) or {@code cosine} (decays to 0 at the last of {@code finetuneBudgets}; the accuracy at an
 *                             earlier budget point is then that of a run heading for the last one). Of the fine-tuning of every
 *                             method (the iterative baseline's after its rounds, decaying to 0 at the same last budget), not of
 *                             the pruning rounds of the bank and of the iterative baseline, which keep a constant rate
 * @param bnRecalibrationBatches batches (of {@code finetuneBatch} training images of the target task, the same for every method)
 *                             on which the BatchNorm running statistics of a one-shot pruned model are re-estimated before
 *                             its accuracy at budget 0 ({@link dev.sprig.nn.train.BatchNormRecalibration}); 0 = off. Not
 *                             for the dense model (its statistics fit it) nor the iterative baseline (trained with its
 *                             BatchNorms in training mode while it prunes); nothing for a model without BatchNorm (the ViT)
 * @param iterativeRounds      R, rounds of the iterative-from-scratch baseline (importance {@code bankImportance}): R rounds
 *                             of s = (last budget) / 2R iterations take the first R·s iterations of the budget, so it has
 *                             accuracy only at budget points from R·s on; needs a last budget >= 2R
 * @param methods              the methods to run (labels of {@link PruneMethod}, distinct)
 * @param headInit             {@code pretrained-rows} (the task head starts from θ0's rows of the task's classes) or {@code random}
 * @param seed                 the seed of everything
 */
public record ExperimentConfig(String name, String dataset, int shapesTrainPerClass, int shapesTestPerClass, String model,
                               double widthMultiplier, double pretrainEpochs, int pretrainBatch, int classesPerTask,
                               int trainPerClass, int testPerClass, int bankTasks, int targetTasks, List<Double> keepRatios,
                               String budget, int bankRounds, int bankStepsPerRound, String bankImportance, int neighbours,
                               double temperature, String weighting, String similarity, String layerRatios, int roundTo,
                               int embeddingPerClass, List<Integer> finetuneBudgets, int finetuneBatch, double finetuneLr,
                               String finetuneSchedule, int bnRecalibrationBatches, int iterativeRounds,
                               List<String> methods, String headInit, long seed) {

    public ExperimentConfig {
        keepRatios = List.copyOf(keepRatios);
        finetuneBudgets = List.copyOf(finetuneBudgets);
        methods = List.copyOf(methods);
        check(Set.of("shapes", "fashion_mnist").contains(dataset), "dataset", dataset, "shapes or fashion_mnist");
        check(model.equals("vit") || model.matches("resnet\\d+"), "model", model, "resnet<depth> (20, 32, 56, 8, 14...) or vit");
        check(widthMultiplier > 0 && widthMultiplier <= 4, "widthMultiplier", widthMultiplier, "in (0, 4]");
        check(pretrainEpochs > 0 && Double.isFinite(pretrainEpochs), "pretrainEpochs", pretrainEpochs, "finite and > 0");
        check(pretrainBatch >= 1 && finetuneBatch >= 1, "pretrainBatch/finetuneBatch", pretrainBatch + "/" + finetuneBatch, ">= 1");
        check(classesPerTask >= 2, "classesPerTask", classesPerTask, ">= 2");
        check(trainPerClass >= 1 && testPerClass >= 0, "trainPerClass/testPerClass", trainPerClass + "/" + testPerClass, ">= 1 / >= 0");
        check(bankTasks >= 1 && targetTasks >= 1, "bankTasks/targetTasks", bankTasks + "/" + targetTasks, ">= 1");
        check(!keepRatios.isEmpty() && keepRatios.stream().allMatch(r -> r > 0 && r <= 1), "keepRatios", keepRatios, "values in (0, 1]");
        check(keepRatios.stream().distinct().count() == keepRatios.size(), "keepRatios", keepRatios, "no value twice");
        check(budget != null && BUDGETS.contains(budget), "budget", budget, "one of " + BUDGETS);
        check(bankRounds >= 1 && bankStepsPerRound >= 0, "bankRounds/bankStepsPerRound", bankRounds + "/" + bankStepsPerRound, ">= 1 / >= 0");
        check(Set.of("taylor", "l1").contains(bankImportance), "bankImportance", bankImportance, "taylor or l1");
        check(neighbours >= 1 && neighbours <= bankTasks, "neighbours", neighbours, "in [1, bankTasks=" + bankTasks + "]");
        check(temperature > 0 && Double.isFinite(temperature), "temperature", temperature, "finite and > 0");
        check(Set.of("softmax", "uniform").contains(weighting), "weighting", weighting, "softmax or uniform");
        check(Arrays.stream(TaskSimilarity.values()).anyMatch(s -> s.name().equals(similarity)), "similarity", similarity,
                "PROTOTYPES or MEAN_FEATURE");
        check(Set.of("neighbours", "uniform", "global").contains(layerRatios), "layerRatios", layerRatios, "neighbours, uniform or global");
        check(roundTo >= 1, "roundTo", roundTo, ">= 1");
        check(embeddingPerClass >= 1, "embeddingPerClass", embeddingPerClass, ">= 1");
        check(!finetuneBudgets.isEmpty() && finetuneBudgets.get(0) == 0 && ascending(finetuneBudgets), "finetuneBudgets",
                finetuneBudgets, "ascending, starting at 0");
        check(finetuneLr > 0 && Double.isFinite(finetuneLr), "finetuneLr", finetuneLr, "finite and > 0");
        check(finetuneSchedule != null && Finetune.SCHEDULES.contains(finetuneSchedule), "finetuneSchedule", finetuneSchedule,
                "one of " + Finetune.SCHEDULES);
        check(bnRecalibrationBatches >= 0, "bnRecalibrationBatches", bnRecalibrationBatches, ">= 0 (0 = no BatchNorm recalibration)");
        check(iterativeRounds >= 1, "iterativeRounds", iterativeRounds, ">= 1");
        check(!methods.isEmpty() && methods.stream().distinct().count() == methods.size(), "methods", methods, "at least one, none twice");
        for (String m : methods) {
            PruneMethod.ofLabel(m);
        }
        // The iterative baseline spends half the budget on its rounds, at least one iteration each (see Experiment).
        int lastBudget = finetuneBudgets.get(finetuneBudgets.size() - 1);
        check(!methods.contains(PruneMethod.ITERATIVE.label()) || lastBudget >= 2L * iterativeRounds, "finetuneBudgets", finetuneBudgets,
                "a last budget >= 2 * iterativeRounds = " + 2L * iterativeRounds + " (the iterative baseline prunes in the first half)");
        check(Set.of("pretrained-rows", "random").contains(headInit), "headInit", headInit, "pretrained-rows or random");
    }

    /** The values of {@code budget}: what a keep ratio is a fraction of. */
    public static final List<String> BUDGETS = List.of("params", "macs");

    private static boolean ascending(List<Integer> xs) {
        for (int i = 1; i < xs.size(); i++) {
            if (xs.get(i) <= xs.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    private static void check(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("experiment setting '" + key + "' = " + value + ": expected " + expected);
        }
    }

    /** The names of the presets. */
    public static List<String> presets() {
        return List.of("demo", "shapes", "fashion-resnet20", "fashion-vit");
    }

    /**
     * A named preset: {@code demo} (generated data, small enough for minutes on 2 cores),
     * {@code shapes} (generated data, the full protocol), {@code fashion-resnet20} and
     * {@code fashion-vit} (ISSUE protocol on Fashion-MNIST: 3-class tasks of ≤ 300 images per class,
     * 20 bank tasks, 8 targets, keep ratios 0.5/0.25/0.1, budgets 0..500). Every preset recalibrates
     * the BatchNorms of the one-shot pruned models on 8 batches, sizes its models by parameters
     * ({@code budget} {@code params}) and fine-tunes at a constant rate ({@code finetuneSchedule}
     * {@code constant}).
     */
    public static ExperimentConfig preset(String name) {
        List<String> all = Arrays.stream(PruneMethod.values()).map(PruneMethod::label).toList();
        return switch (name) {
            case "demo" -> new ExperimentConfig("demo", "shapes", 120, 40, "resnet8", 0.5, 10, 64, 3, 120, 40, 12, 4,
                    List.of(0.5, 0.25), "params", 3, 20, "taylor", 3, 0.1, "softmax", "PROTOTYPES", "neighbours", 1, 16,
                    List.of(0, 10, 25, 50, 100), 32, 0.01, "constant", 8, 3, all, "pretrained-rows", 0);
            case "shapes" -> new ExperimentConfig("shapes", "shapes", 500, 100, "resnet20", 1, 10, 64, 3, 300, 100, 20, 8,
                    List.of(0.5, 0.25, 0.1), "params", 5, 60, "taylor", 5, 0.1, "softmax", "PROTOTYPES", "neighbours", 1, 32,
                    List.of(0, 25, 50, 100, 200, 500), 32, 0.01, "constant", 8, 5, all, "pretrained-rows", 0);
            case "fashion-resnet20" -> new ExperimentConfig("fashion-resnet20", "fashion_mnist", 0, 0, "resnet20", 1, 10, 64, 3, 300,
                    0, 20, 8, List.of(0.5, 0.25, 0.1), "params", 5, 60, "taylor", 5, 0.1, "softmax", "PROTOTYPES", "neighbours", 1, 32,
                    List.of(0, 25, 50, 100, 200, 500), 32, 0.01, "constant", 8, 5, all, "pretrained-rows", 0);
            case "fashion-vit" -> new ExperimentConfig("fashion-vit", "fashion_mnist", 0, 0, "vit", 1, 20, 64, 3, 300, 0, 20, 8,
                    List.of(0.5, 0.25, 0.1), "params", 5, 60, "taylor", 5, 0.1, "softmax", "PROTOTYPES", "neighbours", 1, 32,
                    List.of(0, 25, 50, 100, 200, 500), 32, 0.001, "constant", 8, 5, all, "pretrained-rows", 0);
            default -> throw new IllegalArgumentException("unknown experiment preset '" + name + "', expected one of " + presets());
        };
    }

    /** The settings as plain values, in declaration order (for results.json and config files). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var c : ExperimentConfig.class.getRecordComponents()) {
            try {
                m.put(c.getName(), c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    /**
     * This config with some settings replaced, e.g. from a JSON object {@code {"preset": "demo",
     * "targetTasks": 5}}; numbers may be integers or decimals, lists are JSON arrays. Unknown keys are
     * an error naming the key and the known ones.
     */
    public ExperimentConfig withOverrides(Map<String, Object> overrides) {
        Map<String, Object> m = toMap();
        var comps = ExperimentConfig.class.getRecordComponents();
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            if (e.getKey().equals("preset")) {
                continue;
            }
            if (!m.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown experiment setting '" + e.getKey() + "'; known: " + m.keySet());
            }
            m.put(e.getKey(), e.getValue());
        }
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            types[i] = comps[i].getType();
            args[i] = convert(comps[i].getName(), m.get(comps[i].getName()), comps[i].getType(), comps[i].getGenericType());
        }
        try {
            return ExperimentConfig.class.getDeclaredConstructor(types).newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object convert(String key, Object v, Class<?> type, java.lang.reflect.Type generic) {
        try {
            if (type == String.class) {
                return (String) v;
            }
            if (type == int.class) {
                return (int) integer(key, (Number) v, Integer.MIN_VALUE, Integer.MAX_VALUE, v);
            }
            if (type == long.class) {
                return integer(key, (Number) v, Long.MIN_VALUE, Long.MAX_VALUE, v);
            }
            if (type == double.class) {
                return ((Number) v).doubleValue();
            }
            if (type == List.class) {
                String elem = ((java.lang.reflect.ParameterizedType) generic).getActualTypeArguments()[0].getTypeName();
                List<Object> out = new ArrayList<>();
                for (Object o : (List<?>) v) {
                    out.add(switch (elem) {
                        case "java.lang.Double" -> ((Number) o).doubleValue();
                        case "java.lang.Integer" -> (int) integer(key, (Number) o, Integer.MIN_VALUE, Integer.MAX_VALUE, v);
                        default -> (String) o;
                    });
                }
                return out;
            }
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("experiment setting '" + key + "' = " + v + " has the wrong type: expected "
                    + (type == List.class ? generic.getTypeName() : type.getSimpleName()), e);
        }
        throw new IllegalStateException("no conversion for " + type);
    }

    /**
     * A whole number in [min, max]: a fraction, or a value out of range that a cast would truncate or
     * wrap, is an error naming the setting.
     */
    private static long integer(String key, Number n, long min, long max, Object whole) {
        long x;
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            x = n.longValue();
        } else {
            double d = n.doubleValue();
            // 2^63 is the first double above Long.MAX_VALUE; -2^63 is Long.MIN_VALUE itself.
            if (d != Math.rint(d) || !(d >= -0x1p63 && d < 0x1p63)) {
                throw new IllegalArgumentException("experiment setting '" + key + "' = " + whole + " has the wrong type: expected a whole "
                        + "number" + (d != Math.rint(d) ? "" : " in [" + min + ", " + max + "]"));
            }
            x = (long) d;
        }
        if (x < min || x > max) {
            throw new IllegalArgumentException("experiment setting '" + key + "' = " + whole + " is out of range: expected a whole number in ["
                    + min + ", " + max + "]");
        }
        return x;
    }
}
