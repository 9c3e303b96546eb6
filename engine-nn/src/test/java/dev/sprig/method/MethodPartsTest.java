package dev.sprig.method;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sprig.data.LabeledImages;
import dev.sprig.data.Normalize;
import dev.sprig.nn.models.ResNet;
import dev.sprig.nn.models.ResNetConfig;
import dev.sprig.tensor.GradMode;
import dev.sprig.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MethodPartsTest {
    @TempDir
    Path dir;

    private static TaskEmbedding emb(float[]... protos) {
        float[] mean = new float[protos[0].length];
        for (float[] p : protos) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += p[j] / protos.length;
            }
        }
        return new TaskEmbedding(protos, mean);
    }

    private static BankEntry entry(String id, TaskEmbedding e, Map<String, boolean[]> mask) {
        return new BankEntry(id, "task " + id, new int[] {0, 1}, 0.5, "iterative-taylor", 0.9, dev.sprig.prune.PruningMask.of(mask), e);
    }

    private static Map<String, boolean[]> mask(String... groupsAndBits) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (int i = 0; i < groupsAndBits.length; i += 2) {
            String bits = groupsAndBits[i + 1];
            boolean[] k = new boolean[bits.length()];
            for (int u = 0; u < k.length; u++) {
                k[u] = bits.charAt(u) == '1';
            }
            m.put(groupsAndBits[i], k);
        }
        return m;
    }

    @Test
    void similaritiesAsDefined() {
        TaskEmbedding target = emb(new float[] {1, 0}, new float[] {0, 1});
        TaskEmbedding other = emb(new float[] {1, 0}, new float[] {1, 1});
        // best matches: (1,0)->(1,0) = 1; (0,1)->(1,1) = 1/sqrt(2)
        assertThat(TaskSimilarity.PROTOTYPES.between(target, other)).isCloseTo((1 + 1 / Math.sqrt(2)) / 2, within(1e-9));
        // means (0.5, 0.5) and (1, 0.5)
        assertThat(TaskSimilarity.MEAN_FEATURE.between(target, other)).isCloseTo(0.75 / (Math.sqrt(0.5) * Math.sqrt(1.25)), within(1e-6));
        assertThatThrownBy(() -> TaskSimilarity.PROTOTYPES.between(target, emb(new float[] {1, 2, 3})))
                .hasMessageContaining("2 and 3 features");
    }

    @Test
    void retrievalFindsTheTrulySimilarTasks() {
        // Tasks over "directions": similar tasks have prototypes near the target's.
        TaskEmbedding target = emb(new float[] {1, 0, 0, 0}, new float[] {0, 1, 0, 0});
        Map<String, boolean[]> m = mask("g", "10");
        List<BankEntry> bank = List.of(
                entry("far1", emb(new float[] {0, 0, 1, 0}, new float[] {0, 0, 0, 1}), m),
                entry("near1", emb(new float[] {1, 0.1f, 0, 0}, new float[] {0.1f, 1, 0, 0}), m),
                entry("far2", emb(new float[] {0, 0, 1, 1}, new float[] {0, 0, -1, 1}), m),
                entry("near2", emb(new float[] {0.9f, 0, 0.3f, 0}, new float[] {0, 1, 0.2f, 0}), m),
                entry("half", emb(new float[] {1, 0, 0, 0}, new float[] {0, 0, 1, 0}), m));
        List<Neighbour> top = Retrieval.topK(bank, target, TaskSimilarity.PROTOTYPES, 3);
        assertThat(top).extracting(n -> n.entry().id()).containsExactly("near1", "near2", "half");
        assertThat(top.get(0).similarity()).isGreaterThan(top.get(1).similarity());
        List<Neighbour> rnd = Retrieval.randomK(bank, target, TaskSimilarity.PROTOTYPES, 3, 7);
        assertThat(rnd).hasSize(3).extracting(n -> n.entry().id()).doesNotHaveDuplicates();
        assertThat(Retrieval.randomK(bank, target, TaskSimilarity.PROTOTYPES, 3, 7)).isEqualTo(rnd);
        assertThatThrownBy(() -> Retrieval.topK(bank, target, TaskSimilarity.PROTOTYPES, 6)).hasMessageContaining("K=6")
                .hasMessageContaining("5 entries");
        assertThatThrownBy(() -> Retrieval.topK(bank, target, TaskSimilarity.PROTOTYPES, 0)).hasMessageContaining("got 0");
    }

    @Test
    void scoreMaskEqualsTheHandComputedVote() {
        TaskEmbedding e = emb(new float[] {1, 0});
        List<Neighbour> nb = List.of(
                new Neighbour(entry("a", e, mask("g1", "1100", "g2", "10")), 0.9),
                new Neighbour(entry("b", e, mask("g1", "1010", "g2", "11")), 0.5),
                new Neighbour(entry("c", e, mask("g1", "0011", "g2", "01")), 0.1));
        double tau = 0.1;
        double ea = Math.exp(9);
        double eb = Math.exp(5);
        double ec = Math.exp(1);
        double z = ea + eb + ec;
        double wa = ea / z;
        double wb = eb / z;
        double wc = ec / z;
        ScoreMask s = ScoreMask.vote(nb, new VoteWeighting.Softmax(tau));
        assertThat(s.weights()).containsExactly(new double[] {wa, wb, wc}, within(1e-12));
        float[] g1 = s.scores().get("g1");
        assertThat(g1[0]).isCloseTo((float) (wa + wb), within(1e-6f));
        assertThat(g1[1]).isCloseTo((float) wa, within(1e-6f));
        assertThat(g1[2]).isCloseTo((float) (wb + wc), within(1e-6f));
        assertThat(g1[3]).isCloseTo((float) wc, within(1e-6f));
        assertThat(s.keepRatios().get("g2")).isCloseTo(wa * 0.5 + wb * 1.0 + wc * 0.5, within(1e-12));

        ScoreMask plain = ScoreMask.vote(nb, new VoteWeighting.Uniform());
        assertThat(plain.scores().get("g1")).containsExactly(new float[] {2f / 3, 1f / 3, 2f / 3, 1f / 3}, within(1e-6f));
        assertThat(plain.keepRatios().get("g1")).isCloseTo(0.5, within(1e-12));

        List<Neighbour> clash = List.of(nb.get(0), new Neighbour(entry("d", e, mask("g1", "110", "g2", "10")), 0.2));
        assertThatThrownBy(() -> ScoreMask.vote(clash, new VoteWeighting.Uniform())).hasMessageContaining("'d' has 3 units")
                .hasMessageContaining("'g1'");
        assertThatThrownBy(() -> new VoteWeighting.Softmax(0)).hasMessageContaining("got 0.0");
    }

    @Test
    void aLayerEveryNeighbourKeepsWholeHasKeepRatioExactlyOne() {
        // Five weights of 1/5: w_i * 3 / 3 summed is 1.0000000000000002 in doubles, which Selection refuses as a profile ratio.
        TaskEmbedding e = emb(new float[] {1, 0});
        List<Neighbour> nb = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            nb.add(new Neighbour(entry("n" + i, e, mask("g", "111", "h", i % 2 == 0 ? "10" : "01")), 0.5));
        }
        ScoreMask s = ScoreMask.vote(nb, new VoteWeighting.Uniform());
        assertThat(s.keepRatios().get("g")).isEqualTo(1.0);
        assertThat(s.keepRatios().get("h")).isCloseTo(0.5, within(1e-12));
        assertThat(s.keepRatios().values()).allMatch(r -> r <= 1.0);
        // the profile is accepted as it is
        dev.sprig.prune.Selection.uniform(new dev.sprig.prune.Selection.KeepRatio(0.5)).withProfile(s.keepRatios());
    }

    @Test
    void bankRoundTripsAndRefusesWhatItShould() throws IOException {
        Path b = dir.resolve("bank");
        MaskBank bank = MaskBank.openOrCreate(b, "resnet", "sha256:aa");
        TaskEmbedding e1 = emb(new float[] {1, 2, 3}, new float[] {4, 5, 6});
        bank.add(entry("t1", e1, mask("layer1:residual", "1101", "layer1.0.conv1:out", "0011")));
        bank.add(entry("t2", emb(new float[] {0, 1, 0}), mask("layer1:residual", "1111", "layer1.0.conv1:out", "0001")));
        assertThatThrownBy(() -> bank.add(entry("t1", e1, mask("g", "1")))).hasMessageContaining("already has an entry 't1'");

        MaskBank back = MaskBank.open(b);
        assertThat(back.modelFingerprint()).isEqualTo("sha256:aa");
        assertThat(back.entries()).extracting(BankEntry::id).containsExactly("t1", "t2");
        BankEntry t1 = back.entries().get(0);
        assertThat(t1.keep("layer1:residual")).containsExactly(true, true, false, true);
        assertThat(t1.embedding().prototypes()[1]).containsExactly(4, 5, 6);
        assertThat(t1.embedding().mean()).containsExactly(e1.mean());
        assertThat(t1.method()).isEqualTo("iterative-taylor");
        assertThat(Files.readString(b.resolve("masks/t1.json"))).contains("\"layer1.0.conv1:out\":\"0011\"");

        assertThatThrownBy(() -> MaskBank.openOrCreate(b, "resnet", "sha256:bb")).hasMessageContaining("another pre-trained model")
                .hasMessageContaining("sha256:aa").hasMessageContaining("sha256:bb");

        Files.writeString(b.resolve("masks/t2.json"), "{\"format\":\"sprig-mask-1\",\"groups\":{\"g\":\"10x\"}}");
        assertThatThrownBy(() -> MaskBank.open(b)).isInstanceOf(IOException.class).hasMessageContaining("t2.json")
                .hasMessageContaining("'x' at unit 2");
        Files.writeString(b.resolve("masks/t2.json"), "{\"format\":\"sprig-mask-1\",\"groups\":");
        assertThatThrownBy(() -> MaskBank.open(b)).isInstanceOf(IOException.class).hasMessageContaining("t2.json");

        String index = Files.readString(b.resolve("index.json"));
        Files.writeString(b.resolve("index.json"), index.replace("\"version\":1", "\"version\":7"));
        assertThatThrownBy(() -> MaskBank.open(b)).hasMessageContaining("version 7 is newer");
        Files.writeString(b.resolve("index.json"), index.replace("\"version\":1", "\"version\":0"));
        assertThatThrownBy(() -> MaskBank.open(b)).hasMessageContaining("version 0 is unknown/invalid").hasMessageNotContaining("newer");
        Files.writeString(b.resolve("index.json"), index.substring(0, index.length() / 2));
        assertThatThrownBy(() -> MaskBank.open(b)).isInstanceOf(IOException.class).hasMessageContaining("index.json");
        assertThatThrownBy(() -> MaskBank.open(dir.resolve("none"))).hasMessageContaining("no mask bank");
    }

    @Test
    void embeddingsArePerClassMeanFeaturesOfTheFrozenModel() {
        ResNet net = new ResNet(ResNetConfig.cifar(8, 1, 5).withWidthMultiplier(0.5f), 2);
        int n = 10;
        float[] images = Tensor.rand(4, n, 1, 8, 8).mul(255f).rowMajorData();
        int[] labels = {0, 1, 2, 0, 1, 2, 0, 0, 1, 2};
        LabeledImages data = new LabeledImages(images, labels, 1, 8, 8, 3);
        Normalize norm = new Normalize(1f / 255, new float[] {0.5f}, new float[] {0.25f});
        TaskEmbedding e = TaskEmbedding.of(net, data, norm);
        assertThat(net.isTraining()).isTrue();
        net.eval();
        float[] feats;
        try (GradMode.Scope g = GradMode.noGrad()) {
            Tensor x = Tensor.fromStorage(images.clone(), n, 1, 8, 8).mul(1f / 255).sub(0.5f).div(0.25f);
            feats = net.features(x).rowMajorData();
        }
        int f = e.features();
        assertThat(f).isEqualTo(32);
        double p0 = 0;
        for (int i : new int[] {0, 3, 6, 7}) {
            p0 += feats[i * f + 5];
        }
        assertThat(e.prototypes()[0][5]).isCloseTo((float) (p0 / 4), within(1e-5f));
        double m = 0;
        for (int i = 0; i < n; i++) {
            m += feats[i * f + 7];
        }
        assertThat(e.mean()[7]).isCloseTo((float) (m / n), within(1e-5f));
        LabeledImages missing = new LabeledImages(images, new int[] {0, 1, 0, 0, 1, 1, 0, 0, 1, 0}, 1, 8, 8, 3);
        assertThatThrownBy(() -> TaskEmbedding.of(net, missing, norm)).hasMessageContaining("class 2 of 3 has no image");
    }

    @Test
    void fingerprintsIdentifyTheExactWeights() {
        ResNet a = new ResNet(ResNetConfig.cifar(8, 1, 3), 1);
        ResNet b = new ResNet(ResNetConfig.cifar(8, 1, 3), 1);
        assertThat(ModelFingerprint.of(a)).isEqualTo(ModelFingerprint.of(b)).startsWith("sha256:").hasSize(7 + 64);
        b.namedParameters().get("fc.bias").get().storage()[0] += 1e-7f;
        assertThat(ModelFingerprint.of(b)).isNotEqualTo(ModelFingerprint.of(a));
    }
}
