package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

    /** 10 images of 2x3x3 whose every value is the image's index, labels index % 3. */
    private static LabeledImages indexed(int n) {
        float[] im = new float[n * 18];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(im, i * 18, (i + 1) * 18, i);
            lb[i] = i % 3;
        }
        return new LabeledImages(im, lb, 2, 3, 3, 3);
    }

    private static List<DataLoader.Batch> all(Iterator<DataLoader.Batch> it) {
        List<DataLoader.Batch> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void everyImageOncePerEpochInBatches() {
        DataLoader dl = DataLoader.builder(indexed(10), 4).seed(1).build();
        assertThat(dl.batchesPerEpoch()).isEqualTo(3);
        List<DataLoader.Batch> b = all(dl.epoch(0));
        assertThat(b).extracting(DataLoader.Batch::size).containsExactly(4, 4, 2);
        List<Integer> seen = new ArrayList<>();
        for (DataLoader.Batch batch : b) {
            for (int k = 0; k < batch.size(); k++) {
                int idx = (int) batch.images().get(k, 0, 0, 0);
                assertThat(batch.labels()[k]).isEqualTo(idx % 3);
                seen.add(idx);
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(seen).isNotEqualTo(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        assertThat(DataLoader.builder(indexed(10), 4).dropLast(true).build().batchesPerEpoch()).isEqualTo(2);
    }

    @Test
    void sameSeedAndEpochSameBatchesWithOrWithoutPrefetchAndResumable() {
        Augment aug = new Augment.Chain(new Augment.RandomCrop(1), new Augment.HorizontalFlip());
        DataLoader a = DataLoader.builder(indexed(10), 3).seed(5).augment(aug).prefetch(2).build();
        DataLoader b = DataLoader.builder(indexed(10), 3).seed(5).augment(aug).prefetch(0).build();
        List<DataLoader.Batch> x = all(a.epoch(2));
        List<DataLoader.Batch> y = all(b.epoch(2));
        for (int i = 0; i < x.size(); i++) {
            assertThat(x.get(i).images().toArray()).containsExactly(y.get(i).images().toArray());
        }
        List<DataLoader.Batch> resumed = all(a.epoch(2, 2));
        assertThat(resumed).hasSize(2);
        assertThat(resumed.get(0).images().toArray()).containsExactly(x.get(2).images().toArray());
        assertThat(all(a.epoch(3)).get(0).images().toArray()).isNotEqualTo(x.get(0).images().toArray());
        assertThatThrownBy(() -> a.epoch(0, 9)).hasMessageContaining("first batch 9").hasMessageContaining("4 batches");
    }

    @Test
    void augmentationsDoWhatTheySay() {
        int flipped = 0;
        for (int seed = 0; seed < 20; seed++) {
            float[] img = {1, 2, 3, 4, 5, 6}; // c=1, h=2, w=3
            new Augment.HorizontalFlip().apply(img, new float[6], 1, 2, 3, new java.util.SplittableRandom(seed));
            if (img[0] == 3) {
                assertThat(img).containsExactly(3, 2, 1, 6, 5, 4);
                flipped++;
            } else {
                assertThat(img).containsExactly(1, 2, 3, 4, 5, 6);
            }
        }
        assertThat(flipped).isBetween(1, 19);
        float[] crop = {1, 2, 3, 4};
        float[] scratch = new float[4];
        int shifted = 0;
        for (int s = 0; s < 20; s++) {
            float[] c = crop.clone();
            new Augment.RandomCrop(1).apply(c, scratch, 1, 2, 2, new java.util.SplittableRandom(s));
            float sum = 0;
            for (float v : c) {
                sum += v;
            }
            assertThat(sum).isLessThanOrEqualTo(10f); // padding brings in zeros, never new values
            shifted += Arrays.equals(c, crop) ? 0 : 1;
        }
        assertThat(shifted).isPositive();
    }

    @Test
    void normalisation() {
        LabeledImages d = indexed(4);
        Normalize n = Normalize.fit(d, 1f);
        assertThat(n.mean()).containsExactly(1.5f, 1.5f);
        DataLoader dl = DataLoader.builder(d, 4).shuffle(false).normalize(n).build();
        float[] v = dl.epoch(0).next().images().toArray();
        double sum = 0;
        for (float f : v) {
            sum += f;
        }
        assertThat(sum).isCloseTo(0.0, org.assertj.core.api.Assertions.within(1e-4));
        assertThatThrownBy(() -> new Normalize(1f, new float[] {0}, new float[] {0})).hasMessageContaining("std must be > 0");
    }

    @Test
    void taskSubsetsRemapAndCap() {
        LabeledImages d = indexed(30); // 10 images of each of 3 classes
        LabeledImages t = Tasks.subset(d, new int[] {2, 0}, 4, 9);
        assertThat(t.classes()).isEqualTo(2);
        assertThat(t.classCounts()).containsExactly(4, 4);
        for (int i = 0; i < t.size(); i++) {
            int original = (int) t.images()[i * 18];
            assertThat(t.labels()[i]).isEqualTo(original % 3 == 2 ? 0 : 1);
        }
        assertThat(Tasks.subset(d, new int[] {2, 0}, 4, 9).images()).containsExactly(t.images());
        assertThat(Tasks.subset(d, new int[] {1}, 0, 9).size()).isEqualTo(10);
        assertThatThrownBy(() -> Tasks.subset(d, new int[] {1, 1}, 0, 0)).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> Tasks.subset(d, new int[] {3}, 0, 0)).hasMessageContaining("class 3").hasMessageContaining("3 classes");
    }
}
