package dev.sprig.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.ops.Functional;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The op arguments and inputs that nodes expose to graph walkers (the pruning tracer). */
class NodeAttrsTest {
    private static Tensor leaf(int... shape) {
        return Tensor.randn(1, shape).requiresGrad(true);
    }

    @Test
    void viewsRecordTheirArgumentsWithNonNegativeDims() {
        Tensor x = leaf(2, 3, 4);
        assertThat(x.permute(2, 0, -2).gradFn().attrs()).isEqualTo(new Node.Permute(new int[] {2, 0, 1}));
        assertThat(x.transpose(-1, 0).gradFn().attrs()).isEqualTo(new Node.Permute(new int[] {2, 1, 0}));
        assertThat(x.narrow(-1, 1, 2).gradFn().attrs()).isEqualTo(new Node.Slice(2, 1, 3, 1));
        assertThat(x.slice(1, 0, 3, 2).gradFn().attrs()).isEqualTo(new Node.Slice(1, 0, 3, 2));
        assertThat(x.unsqueeze(-1).gradFn().attrs()).isEqualTo(new Node.AtDim(3));
        assertThat(x.narrow(0, 0, 1).squeeze(0).gradFn().attrs()).isEqualTo(new Node.AtDim(0));
        assertThat(x.reshape(6, 4).gradFn().attrs()).isNull();
    }

    @Test
    void reductionsAndDimOpsRecordTheirDims() {
        Tensor x = leaf(2, 3, 4);
        assertThat(x.sum(new int[] {-1, 0}, true).gradFn().attrs()).isEqualTo(new Node.Reduce(new int[] {2, 0}, true));
        assertThat(x.max(1, false).gradFn().attrs()).isEqualTo(new Node.Reduce(new int[] {1}, false));
        assertThat(Functional.concat(List.of(x, x), -2).gradFn().attrs()).isEqualTo(new Node.AtDim(1));
        assertThat(Functional.softmax(x, -1).gradFn().attrs()).isEqualTo(new Node.AtDim(2));
        assertThat(Functional.indexSelect(x, 1, new int[] {2, 0}).gradFn().attrs()).isEqualTo(new Node.AtDim(1));
        assertThat(x.add(x).gradFn().attrs()).isNull();
    }

    @Test
    void attrsAreCopiesTheCallerCannotChange() {
        int[] order = {1, 0};
        Node.Permute p = new Node.Permute(order);
        order[0] = 7;
        assertThat(p.order()).containsExactly(1, 0);
        p.order()[0] = 9;
        assertThat(p.order()).containsExactly(1, 0);
    }

    @Test
    void batchNormListsItsRunningStatisticsAsInputsWithoutGradients() {
        Tensor x = leaf(4, 3, 2, 2);
        Tensor mean = Tensor.zeros(3);
        Tensor var = Tensor.ones(3);
        Tensor gamma = leaf(3);
        Tensor beta = leaf(3);
        Tensor y = Functional.batchNorm(x, mean, var, gamma, beta, true, 0.1f, 1e-5f);
        List<Tensor> in = y.gradFn().inputTensors();
        assertThat(in).hasSize(5);
        assertThat(in.get(0)).isSameAs(x);
        assertThat(in.get(1)).isSameAs(mean);
        assertThat(in.get(2)).isSameAs(var);
        assertThat(in.get(3)).isSameAs(gamma);
        y.sum().backward();
        assertThat(mean.grad()).isNull();
        assertThat(var.grad()).isNull();
        assertThat(gamma.grad()).isNotNull();
        assertThat(x.grad()).isNotNull();
    }

    @Test
    void inputsAreReadOnlyAndGoneAfterRelease() {
        Tensor a = leaf(3);
        Tensor b = leaf(3);
        Tensor y = a.mul(b).sum();
        Node mul = y.gradFn().inputTensors().get(0).gradFn();
        assertThat(mul.inputTensors()).containsExactly(a, b);
        assertThatThrownBy(() -> mul.inputTensors().set(0, b)).isInstanceOf(UnsupportedOperationException.class);
        y.backward();
        assertThat(mul.inputTensors()).isEmpty();
    }
}
