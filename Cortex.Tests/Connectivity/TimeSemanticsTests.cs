using Cortex.Connectivity;

namespace Cortex.Tests.Connectivity;

/// <summary>Effective depth and first-input steps under both unroll modes, on the chain image → A → B → C (by hand).</summary>
public sealed class TimeSemanticsTests
{
    private static Cortex.Connectivity.Graph.Ledger Ledger(string time, string extra = "", string presentation = "every-step", string areaExtra = "")
        => NetworkLoader.Parse(Networks.Chain(time, extra, presentation, areaExtra)).Ledger;

    // Synchronous: every feedforward delay is 0, so each step is a full sweep: A = 1, B = 2, C = 3 at every step.
    // Biological: image→A delay 0, A→B and B→C delay 1: B is first reached at t = 2 and C at t = 3.
    [Test]
    public void FeedforwardChain()
    {
        var sync = Ledger("{ steps: 4, unroll: synchronous }");
        Assert.That(sync.EffectiveDepth, Is.EqualTo(new int?[] { 3, 3, 3, 3 }));
        Assert.That(sync.Areas.Select(a => a.FirstInputStep), Is.EqualTo(new int?[] { 1, 1, 1 }));

        var bio = Ledger("{ steps: 4, unroll: biological }");
        Assert.That(bio.EffectiveDepth, Is.EqualTo(new int?[] { null, null, 3, 3 }));
        Assert.That(bio.Areas.Select(a => a.FirstInputStep), Is.EqualTo(new int?[] { 1, 2, 3 }));
        Assert.That(bio.Areas[1].DepthPerStep, Is.EqualTo(new int?[] { null, 2, 2, 2 }));
    }

    // With a lateral loop on A (delay 1), A(t) = t.
    //   synchronous: B(t) = A(t) + 1, C(t) = B(t) + 1 → C = 3, 4, 5, 6
    //   biological:  B(t) = A(t − 1) + 1 = t (t ≥ 2), C(t) = B(t − 1) + 1 = t (t ≥ 3) → C = –, –, 3, 4
    [Test]
    public void LateralLoopAddsOneLayerPerStep()
    {
        const string lateral = "  - { from: A, to: A, type: lateral }";
        Assert.That(Ledger("{ steps: 4, unroll: synchronous }", lateral).EffectiveDepth, Is.EqualTo(new int?[] { 3, 4, 5, 6 }));
        var bio = Ledger("{ steps: 4, unroll: biological }", lateral);
        Assert.That(bio.EffectiveDepth, Is.EqualTo(new int?[] { null, null, 3, 4 }));
        Assert.That(bio.Areas[0].DepthPerStep, Is.EqualTo(new int?[] { 1, 2, 3, 4 }));
    }

    // A delay-2 feedback C → A: A(t) = max(1, C(t − 2) + 1); synchronous C(t) = A(t) + 2 → A = 1, 1, 4, 4; C = 3, 3, 6, 6.
    [Test]
    public void LongerDelaysReadFurtherBack()
    {
        var ledger = Ledger("{ steps: 4 }", "  - { from: C, to: A, type: feedback, delay: 2 }");
        Assert.That(ledger.Areas[0].DepthPerStep, Is.EqualTo(new int?[] { 1, 1, 4, 4 }));
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 3, 3, 6, 6 }));
        Assert.That(ledger.Projections[3].ActiveSteps, Is.EqualTo(new[] { 3, 4 }));
    }

    // first-1: the image at t = 1 only. Without recurrence A has nothing to carry: depth only at t = 1, and
    // image→A is inactive at t ≥ 2 (blank input), so it costs no synaptic operations there.
    // MACs per projection: 2·Ci·9·16 → image→A 2·1·9·16 = 288, A→B and B→C 2·2·9·16 = 576.
    [Test]
    public void BlankStepsAfterThePresentation()
    {
        var ledger = Ledger("{ steps: 3 }", presentation: "first-1");
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 3, null, null }));
        Assert.That(ledger.SynapticOpsPerStep, Is.EqualTo(new long[] { 288 + 576 + 576, 576 + 576, 576 + 576 }));
    }

    // A leaky area (τ = 2 dt) keeps part of h(t − 1) without a projection, so its depth is carried: with first-1
    // and A leaky, A = 1 at every step, and B, C follow (synchronous).
    [Test]
    public void LeakyAreasCarryTheirDepth()
    {
        var ledger = Ledger("{ steps: 3 }", presentation: "first-1", areaExtra: ", tau: 2.0");
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 3, 3, 3 }));
    }

    // A learned initial state makes a delayed read at t = 1 active (it can be nonzero); a zero one does not.
    [Test]
    public void LearnedInitialStatesCount()
    {
        const string lateral = "  - { from: A, to: A, type: lateral }";
        var zero = Ledger("{ steps: 2 }", lateral);
        var learned = Ledger("{ steps: 2 }", lateral, areaExtra: ", initial_state: learned");
        Assert.That(zero.Projections[3].ActiveSteps, Is.EqualTo(new[] { 2 }));
        Assert.That(learned.Projections[3].ActiveSteps, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(learned.OtherParameters - zero.OtherParameters, Is.EqualTo(2 * 4 * 4), "a learned initial state has one value per neuron");
    }
}
