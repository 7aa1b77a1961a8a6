using Mono.Cecil;
using Mono.Cecil.Cil;

namespace AlertPipeline.Tests.Architecture;

/// <summary>
/// The dependencies between the application's feature folders (<c>AlertPipeline.&lt;Folder&gt;</c> namespaces), read from
/// the compiled assembly with Mono.Cecil: every type a folder's code names (signatures, fields, locals, base types,
/// attributes and the operands of its IL), so a relative name such as <c>Storage.StoreFiles</c> or a <c>using</c> that
/// is never used cannot mislead it as a text search would. Compiler-generated types (lambdas, async state machines)
/// count for the type that declares them.
/// </summary>
internal sealed class FolderGraph
{
    private const string Root = "AlertPipeline";

    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Folders => _edges.Keys;

    /// <summary>For each folder, the folders it depends on.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> DependsOn(string folder) =>
        _edges.TryGetValue(folder, out var to) ? to : new Dictionary<string, SortedSet<string>>();

    /// <summary>A graph from given edges (to test the cycle finding itself).</summary>
    public static FolderGraph FromEdges(IEnumerable<(string From, string To)> edges)
    {
        var graph = new FolderGraph();
        foreach (var (from, to) in edges)
        {
            graph._edges.TryAdd(from, new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
            graph._edges.TryAdd(to, new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
            graph._edges[from][to] = new SortedSet<string>(StringComparer.Ordinal) { $"{from} -> {to}" };
        }

        return graph;
    }

    public static FolderGraph Read(string assemblyPath)
    {
        var graph = new FolderGraph();
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            var from = FolderOf(type);
            if (from is null)
            {
                continue;
            }

            graph._edges.TryAdd(from, new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
            var source = Outermost(type).FullName;
            foreach (var used in TypesUsedBy(type))
            {
                if (used.Scope == module && FolderOf(used) is { } to && to != from)
                {
                    var examples = graph._edges[from].TryGetValue(to, out var set) ? set : graph._edges[from][to] = new SortedSet<string>(StringComparer.Ordinal);
                    examples.Add($"{source} -> {Outermost(used).FullName}");
                }
            }
        }

        return graph;
    }

    /// <summary>Strongly connected components of two or more folders (Tarjan): each is a dependency cycle.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in DependsOn(v).Keys)
            {
                if (!index.TryGetValue(w, out var seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    result.Add(component);
                }
            }
        }

        foreach (var folder in _edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return result;
    }

    private static string? FolderOf(TypeReference type)
    {
        var ns = Outermost(type).Namespace;
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static List<TypeReference> TypesUsedBy(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType g:
                    Add(g.ElementType);
                    foreach (var a in g.GenericArguments)
                    {
                        Add(a);
                    }

                    return;
                case TypeSpecification s:
                    Add(s.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }

        void AddMethod(MethodReference m)
        {
            Add(m.DeclaringType);
            Add(m.ReturnType);
            foreach (var p in m.Parameters)
            {
                Add(p.ParameterType);
            }

            if (m is GenericInstanceMethod gm)
            {
                foreach (var a in gm.GenericArguments)
                {
                    Add(a);
                }
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var a in provider.CustomAttributes)
            {
                Add(a.AttributeType);
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var i in type.Interfaces)
        {
            Add(i.InterfaceType);
        }

        foreach (var f in type.Fields)
        {
            Add(f.FieldType);
            AddAttributes(f);
        }

        foreach (var p in type.Properties)
        {
            Add(p.PropertyType);
        }

        foreach (var m in type.Methods)
        {
            AddMethod(m);
            AddAttributes(m);
            if (!m.HasBody)
            {
                continue;
            }

            foreach (var v in m.Body.Variables)
            {
                Add(v.VariableType);
            }

            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference r:
                        AddMethod(r);
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                    case CallSite c:
                        Add(c.ReturnType);
                        break;
                }
            }
        }

        return found;
    }
}
