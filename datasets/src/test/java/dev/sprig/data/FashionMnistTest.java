package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the real Fashion-MNIST where installed (apt-get install dataset-fashion-mnist). */
class FashionMnistTest {

    @Test
    void readsTheInstalledDataset() throws IOException {
        Path dir = FashionMnist.dir();
        InstalledData.require(FashionMnist.isInstalled(dir), "Fashion-MNIST (" + dir + ")",
                "install it with: apt-get install dataset-fashion-mnist");
        LabeledImages train = FashionMnist.train(dir);
        LabeledImages test = FashionMnist.test(dir);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(train.height()).isEqualTo(28);
        assertThat(train.width()).isEqualTo(28);
        assertThat(train.classCounts()).containsOnly(6_000);
        assertThat(test.classCounts()).containsOnly(1_000);
        double mean = 0;
        for (float v : train.images()) {
            assertThat(v).isBetween(0f, 255f);
            mean += v;
        }
        // Fashion-MNIST's published pixel mean is 0.2860 of 255.
        assertThat(mean / train.images().length / 255).isBetween(0.28, 0.29);
    }

    @Test
    void aMissingDirectoryNamesWhatToInstall(@TempDir Path empty) {
        assertThat(FashionMnist.isInstalled(empty)).isFalse();
        assertThatThrownBy(() -> FashionMnist.train(empty)).hasMessageContaining("apt-get install dataset-fashion-mnist")
                .hasMessageContaining(empty.toString());
    }
}
