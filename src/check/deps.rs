//! Dependencies between rules (through `is denied` and friends) and between
//! defs (through calls). Both must be acyclic; each cycle is one error that
//! names everything on it.

use std::collections::{HashSet, VecDeque};

use super::error::{CheckError, CheckErrorKind};
use super::program::{Def, DefId, Exemption, Rule, RuleId};
use crate::ast::{Effect, VerdictWord};
use crate::source::{Loc, Located};

/// What one body (rule, exemption or def) reads.
#[derive(Default)]
pub(crate) struct BodyDeps {
    pub(crate) refs: Vec<VerdictRef>,
    pub(crate) calls: Vec<(DefId, Loc)>,
}

/// One `PATH is VERDICT [by RULE]`.
pub(crate) struct VerdictRef {
    /// The record type of PATH, when entities tell it.
    pub(crate) target: Option<String>,
    pub(crate) verdict: VerdictWord,
    pub(crate) by: Option<RuleId>,
    pub(crate) loc: Loc,
}

/// Declarations of one kind in declaration order, each with what its body
/// reads (`deps[i]` belongs to `items[i]`).
pub(crate) struct Bodies<T> {
    pub(crate) items: Vec<T>,
    pub(crate) deps: Vec<BodyDeps>,
}

impl<T> Default for Bodies<T> {
    fn default() -> Self {
        Bodies { items: Vec::new(), deps: Vec::new() }
    }
}

impl<T> Bodies<T> {
    pub(crate) fn push(&mut self, item: T, deps: BodyDeps) {
        self.items.push(item);
        self.deps.push(deps);
    }
}

/// Reports defs that call themselves. Returns whether there were none.
pub(crate) fn check_recursion(defs: &Bodies<Def>, errors: &mut Vec<CheckError>) -> bool {
    let edges: Vec<Vec<(usize, Loc)>> =
        defs.deps.iter().map(|d| d.calls.iter().map(|(id, loc)| (id.0 as usize, loc.clone())).collect()).collect();
    let cycles = find_cycles(&edges);
    for cycle in &cycles {
        let names: Vec<String> = cycle.iter().map(|(i, _)| format!("`{}`", defs.items[*i].name)).collect();
        let message = if cycle.len() == 1 {
            format!("def {} calls itself", names[0])
        } else {
            format!("defs call each other in a cycle: {} → {}", names.join(" → "), names[0])
        };
        let mut at = Located::new(message, &cycle[0].1, "this call closes the cycle")
            .help("a def is expanded where it is called, so it cannot recurse; for reachability use a hop range like `p.contacts{1..}`");
        for (_, loc) in &cycle[1..] {
            at = at.also(loc, "calls");
        }
        errors.push(CheckError::new(CheckErrorKind::Recursion, at));
    }
    cycles.is_empty()
}

/// Reports rules whose verdicts depend on each other in a cycle.
pub(crate) fn check_cycles(
    rules: &Bodies<Rule>,
    exemptions: &Bodies<Exemption>,
    defs: &Bodies<Def>,
    errors: &mut Vec<CheckError>,
) {
    let graph = VerdictGraph {
        rules: &rules.items,
        exemptions: &exemptions.items,
        defs,
        def_refs: transitive_def_refs(&defs.deps),
    };
    let edges: Vec<Vec<(usize, Loc)>> = rules.deps.iter().chain(&exemptions.deps).map(|d| graph.reads(d)).collect();
    for cycle in find_cycles(&edges) {
        let names: Vec<String> = cycle.iter().map(|(i, _)| graph.name(*i)).collect();
        let message = if cycle.len() == 1 {
            format!("rule {} depends on its own verdict", names[0])
        } else {
            format!("rules depend on each other's verdicts in a cycle: {} → {}", names.join(" → "), names[0])
        };
        let mut at = Located::new(message, &cycle[0].1, "reads a verdict that depends on this rule").help(
            "`is denied` on a type reads every deny rule and exemption of that type; \
             name one rule that is not on the cycle with `is denied by RULE`, or split the rule",
        );
        for (_, loc) in &cycle[1..] {
            at = at.also(loc, "which reads");
        }
        errors.push(CheckError::new(CheckErrorKind::Cycle, at));
    }
}

/// Rules and exemptions as the nodes of one graph (rules first, then
/// exemptions), with an edge from each to every node whose verdict it reads.
struct VerdictGraph<'p> {
    rules: &'p [Rule],
    exemptions: &'p [Exemption],
    defs: &'p Bodies<Def>,
    /// Per def, every (def, ref index) it reads through the defs it calls.
    def_refs: Vec<Vec<(usize, usize)>>,
}

impl VerdictGraph<'_> {
    fn exemption_node(&self, i: usize) -> usize {
        self.rules.len() + i
    }

    fn name(&self, node: usize) -> String {
        match node.checked_sub(self.rules.len()) {
            Some(x) => format!("exemption `{}`", self.exemptions[x].name),
            None => format!("`{}`", self.rules[node].name),
        }
    }

    /// The nodes a body reads, each with where it reads them (a call's
    /// location for what a def it calls reads).
    fn reads(&self, deps: &BodyDeps) -> Vec<(usize, Loc)> {
        let through_calls = deps.calls.iter().flat_map(|(d, call)| {
            self.def_refs[d.0 as usize].iter().map(|&(def, i)| (&self.defs.deps[def].refs[i], call.clone()))
        });
        let refs = deps.refs.iter().map(|r| (r, r.loc.clone())).chain(through_calls);
        let mut out = Vec::new();
        for (r, loc) in refs {
            self.read(r, &loc, &mut out);
        }
        out
    }

    /// The nodes one `is VERDICT [by RULE]` reads.
    fn read(&self, r: &VerdictRef, loc: &Loc, out: &mut Vec<(usize, Loc)>) {
        if let Some(by) = r.by {
            out.push((by.index(), loc.clone()));
            out.extend(self.rules[by.index()].waived_by.iter().map(|x| (self.exemption_node(x.index()), loc.clone())));
        } else if let Some(target) = &r.target {
            for (i, rule) in self.rules.iter().enumerate() {
                let matters = r.verdict != VerdictWord::Denied || rule.effect == Effect::Deny;
                if rule.record_type == *target && matters {
                    out.push((i, loc.clone()));
                }
            }
            for (i, x) in self.exemptions.iter().enumerate() {
                if x.record_type == *target {
                    out.push((self.exemption_node(i), loc.clone()));
                }
            }
        }
    }
}

/// For each def, every (def, ref index) it reads, through the defs it calls.
fn transitive_def_refs(def_deps: &[BodyDeps]) -> Vec<Vec<(usize, usize)>> {
    (0..def_deps.len())
        .map(|start| {
            let mut seen = HashSet::from([start]);
            let mut queue = VecDeque::from([start]);
            let mut out = Vec::new();
            while let Some(d) = queue.pop_front() {
                out.extend((0..def_deps[d].refs.len()).map(|i| (d, i)));
                for (callee, _) in &def_deps[d].calls {
                    if seen.insert(callee.0 as usize) {
                        queue.push_back(callee.0 as usize);
                    }
                }
            }
            out
        })
        .collect()
}

/// One cycle per strongly connected component that has one, as the nodes in
/// order, each with the location of its edge to the next.
fn find_cycles(edges: &[Vec<(usize, Loc)>]) -> Vec<Vec<(usize, Loc)>> {
    let mut cycles = Vec::new();
    for component in strongly_connected(edges) {
        let members: HashSet<usize> = component.iter().copied().collect();
        let Some(&start) = component.iter().min() else { continue };
        let self_loop = edges[start].iter().find(|(to, _)| *to == start);
        if component.len() == 1 {
            if let Some((_, loc)) = self_loop {
                cycles.push(vec![(start, loc.clone())]);
            }
            continue;
        }
        // Shortest way from `start` back to itself within the component.
        let mut parent: Vec<Option<(usize, Loc)>> = vec![None; edges.len()];
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'bfs: while let Some(node) = queue.pop_front() {
            for (to, loc) in &edges[node] {
                if *to == start {
                    closing = Some((node, loc.clone()));
                    break 'bfs;
                }
                if members.contains(to) && parent[*to].is_none() {
                    parent[*to] = Some((node, loc.clone()));
                    queue.push_back(*to);
                }
            }
        }
        let Some((mut node, loc)) = closing else { continue };
        let mut cycle = vec![(node, loc)];
        while node != start {
            let Some((prev, loc)) = parent[node].clone() else { break };
            cycle.push((prev, loc));
            node = prev;
        }
        cycle.reverse();
        cycles.push(cycle);
    }
    cycles
}

/// Tarjan's algorithm, iterative so that long dependency chains cannot
/// overflow the stack.
fn strongly_connected(edges: &[Vec<(usize, Loc)>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some((w, _)) = edges[v].get(*i) {
                let w = *w;
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span};

    fn loc() -> Loc {
        Loc { src: SourceFile::new("t", "x"), span: Span::new(0, 1) }
    }

    #[test]
    fn finds_each_cycle_once_in_order() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0
        let edges = vec![vec![(1, loc())], vec![(2, loc())], vec![(0, loc())], vec![(3, loc())], vec![(0, loc())]];
        let mut cycles: Vec<Vec<usize>> =
            find_cycles(&edges).into_iter().map(|c| c.into_iter().map(|(n, _)| n).collect()).collect();
        cycles.sort();
        assert_eq!(cycles, vec![vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn acyclic_has_none() {
        let edges = vec![vec![(1, loc())], vec![(2, loc())], vec![]];
        assert!(find_cycles(&edges).is_empty());
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<(usize, Loc)>> =
            (0..n).map(|i| if i + 1 < n { vec![(i + 1, loc())] } else { vec![] }).collect();
        assert!(find_cycles(&edges).is_empty());
    }
}
