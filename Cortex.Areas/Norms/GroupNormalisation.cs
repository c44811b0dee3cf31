using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Norms;

/// <summary>
/// <c>norm: group</c> (Wu &amp; He 2018): the C channels fall into <c>groups</c> groups of C/G consecutive channels and
/// each (image, group) is normalised over its own values, then scaled and shifted per channel (γ, β [C], one set for
/// all steps, as CORnet-RT's GroupNorm modules are called at every step). It needs no batch statistics, so training
/// and inference compute the same thing and it works at batch 1.
/// </summary>
public sealed class GroupNormalisation : NormKind
{
    /// <summary>ε added to the variance.</summary>
    public const double Epsilon = 1e-5;

    /// <inheritdoc/>
    public override string Word => "group";

    /// <inheritdoc/>
    public override string Summary => "group norm: each image's channel groups normalised over their own values";

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
        [new("groups", "integer ≥ 1 dividing the channels", "32", "the number of channel groups G of norm: group (1: layer norm; C: instance norm)")];

    /// <inheritdoc/>
    public override NormOptions Read(IOptionReader reader) => new Options(reader.Int("groups", 1) ?? 32);

    /// <summary>The group count.</summary>
    /// <param name="Groups">G.</param>
    public sealed record Options(int Groups) : NormOptions
    {
        /// <inheritdoc/>
        public override NormKind Kind => NormKinds.All["group"];

        /// <inheritdoc/>
        public override bool CancelsChannelBias(int channels) => Groups == channels;

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer) => writer.Add("groups", Groups.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <inheritdoc/>
        public override Normalisation Resolve(NormContext context, MemoryPlan plan, IIssues issues)
        {
            if (context.Channels % Groups != 0)
                issues.Error("groups", $"groups ({Groups}) must divide the channels ({context.Channels}); divisors: {string.Join(", ", Divisors(context.Channels))}");
            return new Resolved(context, Groups, plan);
        }

        private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0);
    }

    private sealed class Resolved : Normalisation
    {
        private readonly NormContext context;
        private readonly int groups;
        private readonly Slot normalised, mean, invStd, dNormalised;

        public Resolved(NormContext context, int groups, MemoryPlan plan)
        {
            this.context = context;
            this.groups = groups;
            normalised = plan.Steps("normalised", context.Shape);
            mean = plan.Steps("group mean", [groups]);
            invStd = plan.Steps("group 1/σ", [groups]);
            dNormalised = plan.Scratch("normalised gradient", context.Shape);
        }

        public override string Describe() => $"group norm ({groups} groups)";

        public override IReadOnlyList<ParameterSpec> Parameters =>
            [new($"{context.Prefix}.gamma", [context.Channels]), new($"{context.Prefix}.beta", [context.Channels])];

        public override INormalisedActivation<T> Create<T>(ParameterStore<T> store, ActivationFunction activation)
        {
            var gamma = Parameters[0].Add(store);
            var beta = Parameters[1].Add(store);
            store.Backend.Fill(gamma.Value, T.One);
            return new Op<T>(this, activation, gamma, beta);
        }

        private sealed class Op<T>(Resolved r, ActivationFunction f, Core.Optimisers.Parameter<T> gamma, Core.Optimisers.Parameter<T> beta)
            : INormalisedActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly T epsilon = T.CreateChecked(Epsilon);

            public void Forward(Tensor<T> x, Tensor<T> a, BoundMemory<T> m, int t, bool training)
            {
                var n = m.History(r.normalised)[t];
                GroupNorm.Forward(x, r.groups, gamma.Value, beta.Value, n, m.History(r.mean)[t], m.History(r.invStd)[t], epsilon);
                f.Forward(n, a);
            }

            public void Backward(Tensor<T> x, Tensor<T> a, Tensor<T> da, Tensor<T> dx, BoundMemory<T> m, int t)
            {
                var n = m.History(r.normalised)[t];
                var dn = m.Tensor(r.dNormalised);
                f.Backward(n, a, da, dn);
                GroupNorm.Backward(x, r.groups, gamma.Value, m.History(r.mean)[t], m.History(r.invStd)[t], dn, dx, gamma.Gradient, beta.Gradient, accumulate: false);
            }
        }
    }
}
