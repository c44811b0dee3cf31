namespace Cortex.Tests.Conformance;

/// <summary>One registered word (an area kind, a projection kind, a mode, a norm, an activation, a readout kind or a projection type): the tiny networks that use it and the invalid specs it must refuse, each with its message.</summary>
/// <param name="Family">The registry's family name (its <c>Registry.Family</c>).</param>
/// <param name="Word">The word.</param>
/// <param name="Networks">Names in <see cref="KindCatalogue.Networks"/> that use it.</param>
/// <param name="Invalid">Invalid networks, each with a fragment of the message it must give.</param>
public sealed record KindEntry(string Family, string Word, string[] Networks, (string Yaml, string Message)[] Invalid)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Family} {Word}";
}

/// <summary>
/// The conformance catalogue: every kind of every registry, with tiny networks (3–4 steps, 2–4 channels, awkward sizes)
/// and invalid specs. The generic tests in <see cref="ConformanceTests"/> run over it: a new kind is done when its entry passes.
/// </summary>
public static class KindCatalogue
{
    /// <summary>Feedforward (delay 0, max pooling), lateral (delay 1), additive feedback by transposed convolution (delay 2); a leaky area with per-step normalisation.</summary>
    public const string TypesAndDelays = """
        name: types-and-delays
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], norm: per-step, tau: 2.0 }
          - { name: B, level: 2, shape: [2, 2, 2], activation: tanh }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: A, type: lateral, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: B, to: A, type: feedback, connectivity: transposed-conv, kernel: 3, factor: 2, delay: 2 }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>Multiplicative feedback (nearest upsampling) and a multiplicative lateral loop of delay 2; average pooling; shared normalisation.</summary>
    public const string Gains = """
        name: gains
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], norm: shared }
          - { name: B, level: 2, shape: [2, 2, 2] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 1, resample: avgpool, factor: 2 }
          - { from: B, to: B, type: lateral, kernel: 3 }
          - { from: B, to: A, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2, mode: multiplicative }
          - { from: A, to: A, type: lateral, kernel: 1, mode: multiplicative, delay: 2 }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>Untied weights, sign constraints, a strided convolution, bilinear upsampling, learned τ and a learned initial state.</summary>
    public const string Untied = """
        name: untied
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        weight_tying: untied
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], activation: softplus, tau: 1.5, tau_trainable: true, initial_state: learned }
          - { name: B, level: 2, shape: [2, 2, 2], activation: sigmoid }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3, sign: excitatory }
          - { from: A, to: B, type: feedforward, kernel: 3, stride: 2 }
          - { from: B, to: A, type: feedback, kernel: 1, resample: upsample-bilinear, factor: 2, sign: inhibitory, init: xavier, gain: 0.5 }
        readout: { from: B, classes: 2 }
        """;

    /// <summary>Weights tied every 2 steps; dense projections (one pooling its source) into and out of a vector area; biological unrolling; the image shown at steps 1..2 only.</summary>
    public const string DenseVector = """
        name: dense-vector
        time: { steps: 4, unroll: biological }
        input: { shape: [1, 4, 4], presentation: first-2 }
        weight_tying: tied-every-2
        areas:
          - { name: A, level: 1, shape: [1, 4, 4], norm: per-step }
          - { name: V, level: 2, shape: [3], activation: tanh, norm: per-step }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: V, type: feedforward, connectivity: dense, resample: maxpool, factor: 2 }
          - { from: V, to: V, type: lateral, connectivity: dense }
          - { from: V, to: A, type: feedback, connectivity: dense }
          - { name: gain, from: V, to: A, type: feedback, connectivity: dense, mode: multiplicative, delay: 2 }
        readout: { from: V, classes: 3 }
        """;

    /// <summary>Divisive feedback and a divisive lateral loop into one area that also has a multiplicative input (the chain: gain, then division); identity activation.</summary>
    public const string Divisive = """
        name: divisive
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], activation: identity, tau: 1.5 }
          - { name: B, level: 2, shape: [3, 2, 2] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: B, to: A, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2, mode: divisive }
          - { from: A, to: A, type: lateral, kernel: 1, mode: divisive }
          - { name: gain, from: B, to: A, type: feedback, kernel: 1, resample: upsample-bilinear, factor: 2, mode: multiplicative }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>Gated areas: one normalised per step with a fixed leak and divisive feedback, one with 1×1 state convolutions, a learned initial state and group norm.</summary>
    public const string Gated = """
        name: gated
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], kind: gated, norm: per-step, tau: 1.5 }
          - { name: B, level: 2, shape: [4, 2, 2], kind: gated, kernel: 1, norm: group, groups: 2, activation: softplus, initial_state: learned }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, stride: 2, padding: 1 }
          - { from: B, to: A, type: feedback, kernel: 1, resample: upsample-nearest, factor: 2, mode: divisive }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>CORnet-RT blocks unrolled biologically (V2 gets no drive at t = 1), group norm, weights tied every 2 steps, a multiplicative feedback.</summary>
    public const string CornetRt = """
        name: cornet-rt-tiny
        time: { steps: 4, unroll: biological }
        input: { shape: [1, 6, 6] }
        weight_tying: tied-every-2
        areas:
          - { name: V1, level: 1, shape: [2, 3, 3], kind: cornet-rt, groups: 2 }
          - { name: V2, level: 2, shape: [2, 2, 2], kind: cornet-rt, groups: 1 }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, stride: 2, padding: 1 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, stride: 2, padding: 1 }
          - { from: V2, to: V1, type: feedback, connectivity: dense, resample: avgpool, factor: 2, mode: multiplicative }
        readout: { from: V2, classes: 3, steps: final }
        """;

    /// <summary>Several readouts: the last step only, a list of steps under an every-step loss, and every step at twice the weight after pooling the state; a vector area under group norm.</summary>
    public const string Readouts = """
        name: readouts
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [4, 4, 4], norm: group, groups: 2 }
          - { name: V, level: 2, shape: [6], norm: group, groups: 3, activation: tanh }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: A, type: lateral, kernel: 3 }
          - { from: A, to: V, type: feedforward, connectivity: dense, resample: avgpool, factor: 2 }
        readouts:
          - { name: last, from: V, classes: 3, steps: final }
          - { name: listed, from: A, classes: 2, steps: [1, 3], loss: every-step, step_weights: [1, 3] }
          - { name: pooled, from: A, classes: 3, resample: maxpool, factor: 2, pooling: none, loss_weight: 2 }
        """;

    /// <summary>Every network of the catalogue, by name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Networks = new Dictionary<string, string>
    {
        ["types-and-delays"] = TypesAndDelays, ["gains"] = Gains, ["untied"] = Untied, ["dense-vector"] = DenseVector,
        ["divisive"] = Divisive, ["gated"] = Gated, ["cornet-rt"] = CornetRt, ["readouts"] = Readouts,
    };

    private const string Chain = """
        name: invalid
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [4, 4, 4]AREA }
          - { name: B, level: 2, shape: [4, 2, 2] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforwardPROJECTION }
        EXTRA
        readout: { from: B, classes: 3READOUT }
        """;

    /// <summary>A small invalid network: <paramref name="area"/> is appended to area A, <paramref name="projection"/> to A→B, <paramref name="extra"/> added as projection lines.</summary>
    public static string Invalid(string area = "", string projection = ", resample: maxpool, factor: 2", string extra = "", string readout = "")
        => Chain.Replace("AREA", area).Replace("PROJECTION", projection).Replace("EXTRA", extra).Replace("READOUT", readout);

    private const string VectorGated = """
        name: invalid
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [4], kind: gated }
        projections:
          - { from: image, to: A, type: feedforward, connectivity: dense }
        readout: { from: A, classes: 3 }
        """;

    /// <summary>One entry per registered word.</summary>
    public static readonly KindEntry[] Entries =
    [
        new("area kind", "standard", ["types-and-delays", "gains", "untied", "dense-vector", "divisive"],
            [(Invalid(area: ", tau: 0.5"), "tau must be ≥ dt so that α = dt/τ ≤ 1, got tau 0.5 with dt 1"),
             (Invalid(area: ", groups: 2"), "'groups' goes with norm: group")]),
        new("area kind", "gated", ["gated"],
            [(Invalid(area: ", kind: gated, kernel: 2"), "kernel must be odd"),
             (Invalid(area: ", kind: gated, tau_trainable: true"), "'tau_trainable' is a key of kind standard, not of kind gated"),
             (VectorGated, "kind gated convolves the area's own state, so A needs a spatial shape")]),
        new("area kind", "cornet-rt", ["cornet-rt"],
            [(Invalid(area: ", kind: cornet-rt, groups: 3"), "groups (3) must divide the channels (4); divisors: 1, 2, 4"),
             (Invalid(area: ", kind: cornet-rt, tau: 2"), "'tau' is a key of kind standard, not of kind cornet-rt")]),
        new("connectivity", "conv", ["types-and-delays", "gains", "untied", "dense-vector"],
            [(Invalid(projection: ""), "A [4, 4, 4] → B [4, 2, 2]: conv 3×3 stride 1 padding 1 gives 4×4, B is 2×2; use resample: maxpool (factor 2) or stride: 2"),
             (Invalid(projection: ", resample: maxpool, factor: 2, pool_window: 2, pool_padding: 2"), "pool_padding must be less than pool_window (2), got 2")]),
        new("connectivity", "transposed-conv", ["types-and-delays"],
            [(Invalid(extra: "  - { from: B, to: A, type: feedback, connectivity: transposed-conv, factor: 3 }"),
                "B [4, 2, 2] → A [4, 4, 4]: transposed-conv 3×3 factor 3 padding 0 gives 6×6 to 8×8, A is 4×4; use factor: 2"),
             (Invalid(extra: "  - { from: B, to: A, type: feedback, connectivity: transposed-conv, stride: 2 }"), "'stride' applies to connectivity: conv; this projection is transposed-conv")]),
        new("connectivity", "dense", ["dense-vector", "cornet-rt", "readouts"],
            [(Invalid(extra: "  - { from: B, to: A, type: feedback, connectivity: dense, resample: upsample-nearest }"),
                "unknown resample 'upsample-nearest'; allowed: none, maxpool, avgpool"),
             (Invalid(extra: "  - { from: B, to: A, type: feedback, connectivity: dense, kernel: 3 }"), "'kernel' applies to connectivity: conv; this projection is dense")]),
        new("mode", "additive", ["types-and-delays"], []),
        new("mode", "multiplicative", ["gains", "dense-vector", "divisive", "cornet-rt"],
            [(Invalid(projection: ", resample: maxpool, factor: 2, mode: multiplicative"), "multiplicative is a modulatory mode, for lateral and feedback projections")]),
        new("mode", "divisive", ["divisive", "gated"],
            [(Invalid(projection: ", resample: maxpool, factor: 2, mode: divisive"), "divisive is a modulatory mode, for lateral and feedback projections"),
             (Invalid(projection: ", resample: maxpool, factor: 2, mode: divisve"), "unknown mode 'divisve'; did you mean 'divisive'?")]),
        new("norm", "none", ["gains", "untied", "divisive"], []),
        new("norm", "per-step", ["types-and-delays", "dense-vector", "gated"], []),
        new("norm", "shared", ["gains"], []),
        new("norm", "group", ["gated", "readouts"],
            [(Invalid(area: ", norm: group, groups: 3"), "groups (3) must divide the channels (4); divisors: 1, 2, 4"),
             (Invalid(area: ", norm: grup"), "unknown norm 'grup'; did you mean 'group'?")]),
        new("activation", "relu", ["types-and-delays", "gains", "cornet-rt"], [(Invalid(area: ", activation: rleu"), "unknown activation 'rleu'; did you mean 'relu'?")]),
        new("activation", "tanh", ["types-and-delays", "gated", "readouts"], []),
        new("activation", "sigmoid", ["untied"], []),
        new("activation", "softplus", ["untied", "gated"], []),
        new("activation", "identity", ["divisive"], []),
        new("readout kind", "linear", ["types-and-delays", "readouts", "cornet-rt"],
            [(Invalid(readout: ", loss: every-step, step_weights: [1, 2]"), "2 step weights for the 3 steps this readout reads (1, 2, 3); give one weight per read step"),
             (Invalid(readout: ", step_weights: [1, 2, 3]"), "step_weights go with loss: every-step"),
             (Invalid(readout: ", loss_weight: -1"), "loss_weight must be ≥ 0 (0: evaluated, not trained), got -1"),
             (Invalid(readout: ", loss_weight: 0"), "every readout has loss_weight 0 (evaluated, not trained), so nothing would be trained")]),
        new("type", "feedforward", ["types-and-delays"], []),
        new("type", "lateral", ["types-and-delays"], [(Invalid(extra: "  - { from: A, to: A, type: lateral, delay: 0 }"), "lateral must read a past step (delay ≥ 1), got 0")]),
        new("type", "feedback", ["types-and-delays"], [(Invalid(extra: "  - { from: A, to: B, type: feedback }"), "feedback goes down: to.level < from.level")]),
    ];
}
