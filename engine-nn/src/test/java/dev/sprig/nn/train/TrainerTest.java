package dev.sprig.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.data.Augment;
import dev.sprig.data.DataLoader;
import dev.sprig.data.LabeledImages;
import dev.sprig.nn.Layers;
import dev.sprig.nn.Linear;
import dev.sprig.nn.Module;
import dev.sprig.nn.Parameter;
import dev.sprig.nn.Sequential;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.nn.models.ViT;
import dev.sprig.nn.models.ViTConfig;
import dev.sprig.nn.optim.LrSchedule;
import dev.sprig.nn.optim.Sgd;
import dev.sprig.ops.Functional;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path dir;

    /** 3 classes of 1x8x8 images: a bright square in a class-dependent corner, plus noise. */
    private static LabeledImages toyData(int n, long seed) {
        Random rng = new Random(seed);
        float[] im = new float[n * 64];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            lb[i] = i % 3;
            int oy = lb[i] == 0 ? 0 : 4;
            int ox = lb[i] == 2 ? 0 : 4;
            for (int k = 0; k < 64; k++) {
                im[i * 64 + k] = (float) rng.nextGaussian() * 0.3f;
            }
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    im[i * 64 + (oy + y) * 8 + ox + x] += 1f;
                }
            }
        }
        return new LabeledImages(im, lb, 1, 8, 8, 3);
    }

    private static ResNet model() {
        return new ResNet(new ResNetConfig(1, 3, new int[] {1, 1}, new int[] {4, 8}, ResNetConfig.Stem.CIFAR, 1f), 3);
    }

    private static DataLoader loader(LabeledImages d) {
        return DataLoader.builder(d, 8).seed(11).augment(new Augment.HorizontalFlip()).build();
    }

    private static TrainConfig config(long steps, Path ckptDir) {
        return new TrainConfig(steps, new LrSchedule.CosineWithWarmup(0.05f, 0f, 2), 5.0, 0.1f, 0, 1, ckptDir);
    }

    /** Parameters, then buffers (BatchNorm statistics), as arrays. */
    private static List<float[]> weights(Module m) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : m.namedParameters().values()) {
            out.add(p.get().toArray());
        }
        m.namedBuffers().values().forEach(b -> out.add(b.get().toArray()));
        return out;
    }

    private Module train(Module m, LabeledImages data, String ckpt, TrainListener listener) {
        new Trainer(m, new Sgd(m.namedParameters(), 0.05f, 0.9f, 1e-4f, true), loader(data), null, config(12, dir(ckpt)), listener).run();
        return m;
    }

    private Path dir(String name) {
        return dir.resolve(name);
    }

    /**
     * Trains a model from {@code make} for 12 steps without a break, and another that crashes at step
     * 7 and is resumed by a fresh model and optimizer (a new process) from its checkpoint; asserts
     * the two end with identical weights and returns the uninterrupted run's.
     */
    private List<float[]> assertResumeIsExact(java.util.function.Supplier<? extends Module> make, LabeledImages data, String tag) {
        Module full = train(make.get(), data, tag + "-full", null);
        TrainListener crash = new TrainListener() {
            @Override
            public void onStep(long step, long total, double loss, float lr, double eta) {
                if (step == 7) {
                    throw new IllegalStateException("simulated crash at step 7");
                }
            }
        };
        assertThatThrownBy(() -> train(make.get(), data, tag + "-resume", crash)).hasMessageContaining("simulated crash");
        assertThat(dir(tag + "-resume/last.safetensors")).exists();
        Module resumed = train(make.get(), data, tag + "-resume", null);
        List<float[]> a = weights(full);
        List<float[]> b = weights(resumed);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i)).as("tensor %d", i).containsExactly(a.get(i));
        }
        return a;
    }

    /**
     * A ResNet is evaluated through a compiled plan: the accuracy and the mean loss are exactly
     * those of its own forward, batch by batch (including a last, smaller batch), and its training
     * flag comes back as it was.
     */
    @Test
    void evaluatingAResNetGivesItsForwardsNumbers() {
        ResNet m = model();
        m.train(true);
        try (GradMode.Scope g = GradMode.noGrad()) {
            m.forward(Tensor.randn(5, 8, 1, 8, 8)); // BatchNorm statistics that are not the initial ones
        }
        evaluationGivesTheForwardsNumbers(m);
    }

    /** A ViT is evaluated through its compiled plan (Plans.compile): the numbers are its forward's. */
    @Test
    void evaluatingAViTGivesItsForwardsNumbers() {
        ViT m = new ViT(new ViTConfig(1, 8, 2, 3, 16, 2, 2, 8, 24, false), 4);
        for (Parameter p : m.namedParameters().values()) {
            float[] d = p.get().storage();
            for (int i = 0; i < d.length; i++) {
                d[i] += 0.05f * (i % 7 - 3); // biases and norms off their zeros and ones
            }
        }
        m.train(true);
        evaluationGivesTheForwardsNumbers(m);
    }

    private static void evaluationGivesTheForwardsNumbers(Module m) {
        LabeledImages test = toyData(21, 9);
        DataLoader data = DataLoader.builder(test, 8).shuffle(false).build();
        Evaluation e = Trainer.evaluate(m, data);
        assertThat(m.isTraining()).isTrue();
        m.eval();
        long correct = 0;
        double lossSum = 0;
        try (GradMode.Scope g = GradMode.noGrad(); DataLoader.Batches it = data.epoch(0)) {
            while (it.hasNext()) {
                DataLoader.Batch b = it.next();
                Tensor logits = m.forward(b.images());
                lossSum += Functional.crossEntropy(logits, b.labels()).item() * b.size();
                Tensor pred = logits.argmax(1, false);
                for (int i = 0; i < b.size(); i++) {
                    correct += (int) pred.get(i) == b.labels()[i] ? 1 : 0;
                }
            }
        }
        assertThat(e.samples()).isEqualTo(21);
        assertThat(e.accuracy()).isEqualTo((double) correct / 21);
        assertThat(e.loss()).isEqualTo(lossSum / 21);
    }

    @Test
    void learnsTheToyTaskAndReportsProgress() {
        ResNet m = model();
        List<Long> steps = new ArrayList<>();
        // No flips here: a horizontal flip would swap the bottom-left and bottom-right classes.
        Trainer t = new Trainer(m, new Sgd(m.namedParameters(), 0.05f, 0.9f, 0f, false),
                DataLoader.builder(toyData(96, 1), 8).seed(11).build(),
                DataLoader.builder(toyData(48, 2), 16).shuffle(false).build(),
                new TrainConfig(60, new LrSchedule.Constant(0.05f), 0, 0f, 30, 0, null), new TrainListener() {
                    @Override
                    public void onStep(long step, long total, double loss, float lr, double eta) {
                        steps.add(step);
                        assertThat(eta).isGreaterThanOrEqualTo(0);
                    }
                });
        Evaluation e = t.run();
        assertThat(steps).hasSize(60).startsWith(1L).endsWith(60L);
        assertThat(e.samples()).isEqualTo(48);
        assertThat(e.accuracy()).isGreaterThan(0.9);
    }


    @Test
    void resumingFromACheckpointGivesTheSameWeightsAsAnUninterruptedRun() {
        // 5 batches per epoch: the interruption falls mid-epoch
        assertResumeIsExact(TrainerTest::model, toyData(40, 5), "resnet");
    }

    private static Module dropoutMlp() {
        Random r = new Random(9);
        return new Sequential(new Layers.Flatten(), new Linear(64, 32, true, r), new Layers.ReLU(), new Layers.Dropout(0.5f, 17),
                new Linear(32, 3, true, r));
    }


    @Test
    void resumingWithActiveDropoutDrawsTheSameMasksAsAnUninterruptedRun() {
        LabeledImages data = toyData(40, 5);
        List<float[]> a = assertResumeIsExact(TrainerTest::dropoutMlp, data, "dropout");
        // and dropout is really active: without it the weights differ
        Module noDrop = dropoutMlp();
        noDrop.replace("3", new Layers.Identity());
        assertThat(weights(train(noDrop, data, "dnone", null)).get(0)).isNotEqualTo(a.get(0));
    }

    @Test
    void divergenceStopsWithAClearErrorAndKeepsTheLastCheckpoint() throws Exception {
        ResNet m = model();
        Path ckpt = dir.resolve("nan");
        Trainer t = new Trainer(m, new Sgd(m.namedParameters(), 1f, 0f, 0f, false), loader(toyData(40, 6)), null,
                new TrainConfig(50, new LrSchedule.Constant(1e30f), 0, 0f, 0, 1, ckpt), null);
        assertThatThrownBy(t::run).isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("at step").hasMessageContaining("last good checkpoint");
        assertThat(Files.size(ckpt.resolve("last.safetensors"))).isPositive();
    }

    @Test
    void aCheckpointOfAnotherModelIsRefused() throws Exception {
        ResNet m = model();
        Sgd sgd = new Sgd(m.namedParameters(), 0.1f, 0f, 0f, false);
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(f, m, sgd, 3, Map.of());
        ResNet other = new ResNet(new ResNetConfig(1, 3, new int[] {1, 1}, new int[] {4, 6}, ResNetConfig.Stem.CIFAR, 1f), 3);
        assertThatThrownBy(() -> Checkpoint.load(f, other, new Sgd(other.namedParameters(), 0.1f, 0f, 0f, false)))
                .hasMessageContaining("does not match the model").hasMessageContaining("expected [6");
        assertThat(Checkpoint.load(f, model(), new Sgd(model().namedParameters(), 0.1f, 0f, 0f, false))).isEqualTo(3);
    }
}
