using System.Reflection;
using System.Reflection.Emit;
using Datalyptica.Components;

namespace Datalyptica.Tests;

/// <summary>
/// Dependencies point one way: Model ← Contracts ← Components ← Engine, Rendering, Verification, Drills ← CLI. Read from the
/// compiled library: every type a type names in its signatures, base types, attributes' types and method bodies (IL
/// tokens). Model may name no other part of the library; only the lab and its drills name the lab; Contracts and the
/// component folders name none of the verbs' machinery (they reach it through the abstractions in Contracts).
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Library = typeof(ComponentCatalog).Assembly;

    /// <summary>Leaf parts anything may use: findings, the Secret type.</summary>
    private static readonly string[] Leaves = ["Diagnostics", "Secrets"];

    /// <summary>The machinery above the components (the verbs' side).</summary>
    private static readonly string[] Above = ["Engine", "Rendering", "Verification", "Drills", "Validation", "Sites", "Lab", "Bom", "Profiles", "Inventory", "Pki", "IO"];

    [Fact]
    public void The_model_names_nothing_but_itself_and_the_leaves()
    {
        var edges = Edges().Where(e => e.From == "Model" && e.To != "Model" && !Leaves.Contains(e.To)).ToList();
        edges.ShouldBeEmpty(string.Join("\n", edges.Select(e => $"{e.FromType} names {e.ToType}")));
    }

    [Fact]
    public void Contracts_and_components_name_none_of_the_machinery()
    {
        var backward = Edges().Where(e => e.From is "Contracts" or "Components" && Above.Contains(e.To))
            .Select(e => $"{e.FromType} names {e.ToType}").Distinct().ToList();
        backward.ShouldBeEmpty("backward references (component folders may use Model and Contracts only):\n" + string.Join("\n", backward));
    }

    [Fact]
    public void Contracts_name_no_component_and_not_the_catalog()
    {
        var edges = Edges().Where(e => e.From == "Contracts" && e.To == "Components").Select(e => $"{e.FromType} names {e.ToType}").Distinct().ToList();
        edges.ShouldBeEmpty("Contracts is what component folders build on; it may not depend on them:\n" + string.Join("\n", edges));
    }

    [Fact]
    public void Nothing_in_the_library_names_the_lab_but_the_lab_and_its_drills()
    {
        // Drills break lab hosts on purpose (crash, boot), so they use the lab's own controls.
        var edges = Edges().Where(e => e.To == "Lab" && e.From is not ("Lab" or "Drills")).Select(e => $"{e.FromType} names {e.ToType}").Distinct().ToList();
        edges.ShouldBeEmpty(string.Join("\n", edges));
    }

    private sealed record Edge(string From, string To, string FromType, string ToType);

    private static readonly Lazy<List<Edge>> AllEdges = new(() =>
        Library.GetTypes().SelectMany(t => Referenced(t).Where(r => r.Assembly == Library && Part(r) is not null)
            .Select(r => new Edge(Part(t)!, Part(r)!, t.FullName ?? t.Name, r.FullName ?? r.Name))).Where(e => e.From is not null).ToList());

    private static List<Edge> Edges() => AllEdges.Value;

    /// <summary>The first namespace segment under Datalyptica (Components for every component folder).</summary>
    private static string? Part(Type t)
    {
        var ns = (t.IsNested ? Outermost(t) : t).Namespace;
        if (ns is null || !ns.StartsWith("Datalyptica.", StringComparison.Ordinal)) return null;
        return ns["Datalyptica.".Length..].Split('.')[0];
    }

    private static Type Outermost(Type t) { while (t.DeclaringType is not null) t = t.DeclaringType; return t; }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Referenced(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericParameter) return;
            if (t.IsGenericType && !t.IsGenericTypeDefinition) { foreach (var a in t.GetGenericArguments()) Add(a); t = t.GetGenericTypeDefinition(); }
            found.Add(t);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var f in type.GetFields(Everything)) Add(f.FieldType);
        foreach (var p in type.GetProperties(Everything)) Add(p.PropertyType);
        foreach (var m in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            foreach (var t in BodyTypes(m)) Add(t);
        }
        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Types named by the tokens of a method body (calls, field access, casts, new objects, typeof).</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); } catch (BadImageFormatException) { yield break; }
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try { member = module.ResolveMember(token, typeArgs, methodArgs); } catch (ArgumentException) { }
                    if (member is Type t) yield return t;
                    else if (member?.DeclaringType is { } owner) yield return owner;
                    if (member is FieldInfo f) yield return f.FieldType;
                    if (member is MethodInfo m) yield return m.ReturnType;
                    i += 4;
                    break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                default: i += 4; break;
            }
        }
    }
}
