using System.Numerics;
using System.Reflection;
using Cortex.Core.Backends;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Cortex.Tests.Backends;

/// <summary>
/// Every ILGPU kernel in Cortex.Core, at every precision and kind it can be instantiated with (the structs of Cortex.Core
/// and of Cortex.Areas, such as the activations and the modulatory modes), compiles
/// to PTX for an H100 (sm_90). This runs without a GPU, so a kernel that the CPU accelerator accepts but
/// the CUDA backend would reject (an unsupported call, a managed allocation) fails here, in CI.
/// </summary>
public sealed class PtxCompilationTests
{
    private static IEnumerable<TestCaseData> Kernels()
    {
        var assembly = typeof(IBackend<>).Assembly;
        Type[] structs = [.. new[] { assembly, typeof(Cortex.Areas.Options.OptionKey).Assembly }.SelectMany(a => a.GetTypes()).Where(t => t.IsValueType && !t.IsEnum)];
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(all))
            {
                var parameters = method.GetParameters();
                if (parameters.Length == 0 || parameters[0].ParameterType != typeof(Index1D) || method.ReturnType != typeof(void)) continue;
                foreach (var instance in Instantiate(method, structs))
                    yield return new TestCaseData(instance).SetArgDisplayNames($"{type.Name}.{Describe(instance)}");
            }
    }

    [Test]
    public void KernelsAreFound() => Assert.That(Kernels().Count(), Is.GreaterThan(10));

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtx(MethodInfo kernel)
    {
        var backend = Ptx.Value;
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        Assert.That(compiled.PTXAssembly, Does.Contain(".entry"));
    }

    private static readonly Lazy<PTXBackend> Ptx = new(() =>
    {
        var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        return new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
    });

    /// <summary>
    /// Closes a generic kernel over float and double, and each further type parameter over every struct in
    /// <paramref name="structs"/> that satisfies its constraints (e.g. each activation, each modulatory mode).
    /// </summary>
    private static IEnumerable<MethodInfo> Instantiate(MethodInfo method, Type[] structs)
    {
        if (!method.IsGenericMethodDefinition)
        {
            if (!method.DeclaringType!.ContainsGenericParameters) yield return method;
            else foreach (var t in new[] { typeof(float), typeof(double) })
                {
                    var closed = method.DeclaringType.MakeGenericType(t);
                    yield return (MethodInfo)MethodBase.GetMethodFromHandle(method.MethodHandle, closed.TypeHandle)!;
                }
            yield break;
        }
        var arguments = method.GetGenericArguments();
        foreach (var precision in new[] { typeof(float), typeof(double) })
        {
            var choices = new List<Type[]>();
            foreach (var argument in arguments)
            {
                if (argument.Name == "T") { choices.Add([precision]); continue; }
                choices.Add(structs
                    .Where(t => !t.IsGenericTypeDefinition || t.GetGenericArguments().Length == 1)
                    .Select(t => t.IsGenericTypeDefinition ? TryClose(t, precision) : t)
                    .Where(t => t is not null && argument.GetGenericParameterConstraints().All(c => Satisfies(t, c, precision)))
                    .Select(t => t!)
                    .ToArray());
            }
            foreach (var combination in Cartesian(choices))
            {
                MethodInfo? closed;
                try { closed = method.MakeGenericMethod(combination); }
                catch (ArgumentException) { closed = null; }
                if (closed is not null) yield return closed;
            }
        }
    }

    private static Type? TryClose(Type definition, Type precision)
    {
        try { return definition.MakeGenericType(precision); }
        catch (ArgumentException) { return null; }
    }

    private static bool Satisfies(Type? candidate, Type constraint, Type precision)
    {
        if (candidate is null) return false;
        if (constraint == typeof(ValueType)) return true;
        if (constraint.IsGenericType && constraint.ContainsGenericParameters)
            constraint = constraint.GetGenericTypeDefinition().MakeGenericType(precision);
        return constraint.IsAssignableFrom(candidate);
    }

    private static IEnumerable<Type[]> Cartesian(List<Type[]> choices)
    {
        IEnumerable<Type[]> result = [[]];
        foreach (var options in choices)
            result = result.SelectMany(prefix => options.Select(o => prefix.Append(o).ToArray()));
        return result;
    }

    private static string Describe(MethodInfo m) =>
        m.Name + (m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.IsGenericType ? a.Name.Split('`')[0] + "<" + a.GetGenericArguments()[0].Name + ">" : a.Name)) + ">" : "");
}
