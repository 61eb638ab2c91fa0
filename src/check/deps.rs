//! Dependencies between rules (through `is denied` and friends) and between
//! defs (through calls). Defs must be acyclic; rules may form a cycle only
//! when every read on it is positive (a recursive group, whose meaning is
//! the least fixpoint). Each refused cycle is one error that names
//! everything on it.

use std::collections::{HashSet, VecDeque};

use super::error::{CheckError, CheckErrorKind};
use super::polarity::{Context, Read, Sign, Turn, reads};
use super::program::{Cond, Def, DefId, Exemption, Rule, RuleId};
use crate::ast::{Effect, VerdictWord};
use crate::source::{Loc, Located};

/// What one body (rule, exemption or def) reads.
#[derive(Default)]
pub(crate) struct BodyDeps {
    pub(crate) calls: Vec<(DefId, Loc)>,
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

/// What the dependency check found among the rules: the recursive groups
/// (in dependency order) and the sums on them (see [`Context::sum`]).
#[derive(Default)]
pub(crate) struct Recursion {
    pub(crate) groups: Vec<Vec<RuleId>>,
    pub(crate) sums: Vec<Loc>,
}

/// Finds the rules whose verdicts depend on each other in a cycle: a cycle
/// whose every read is positive is a recursive group (its meaning is the
/// least fixpoint); any other is an error naming every rule on it.
pub(crate) fn check_cycles(
    rules: &Bodies<Rule>,
    exemptions: &Bodies<Exemption>,
    defs: &Bodies<Def>,
    errors: &mut Vec<CheckError>,
) -> Recursion {
    let graph = VerdictGraph { rules: &rules.items, exemptions: &exemptions.items, def_reads: def_reads(defs) };
    let bodies = rules.items.iter().map(|r| &r.cond).chain(exemptions.items.iter().map(|x| &x.cond));
    let edges: Vec<Vec<Edge>> = bodies.map(|cond| graph.edges(cond)).collect();
    let plain: Vec<Vec<(usize, Loc)>> =
        edges.iter().map(|es| es.iter().map(|e| (e.to, e.loc.clone())).collect()).collect();
    let mut found = Recursion::default();
    for mut component in strongly_connected(&plain) {
        component.sort_unstable();
        let members: HashSet<usize> = component.iter().copied().collect();
        let inside = |u: usize| edges[u].iter().filter(|e| members.contains(&e.to)).map(move |e| (u, e));
        let internal: Vec<(usize, &Edge)> = component.iter().flat_map(|&u| inside(u)).collect();
        if internal.is_empty() {
            continue;
        }
        match internal.iter().find(|(_, e)| e.ctx.sign != Sign::Positive) {
            Some((u, e)) => errors.push(graph.refused(&plain, &members, *u, e)),
            None => {
                found.groups.push(component.iter().map(|&i| RuleId(i as u32)).collect());
                found.sums.extend(internal.iter().filter_map(|(_, e)| e.ctx.sum.clone()));
            }
        }
    }
    found
}

/// An edge of the verdict graph: a body reads node `to`'s verdict at `loc`,
/// in context `ctx`.
struct Edge {
    to: usize,
    loc: Loc,
    ctx: Context,
}

/// A verdict a body reads, through the defs it calls: where (the outermost
/// call's location for a callee's reads) and in what context.
struct DefRead<'c> {
    verdict: VerdictWord,
    by: Option<RuleId>,
    target: Option<&'c str>,
    loc: Loc,
    ctx: Context,
}

/// Per def, every verdict its body reads, its calls expanded. Defs do not
/// recurse (checked first), so each is worked out after its callees.
fn def_reads(defs: &Bodies<Def>) -> Vec<Vec<DefRead<'_>>> {
    let mut out: Vec<Option<Vec<DefRead>>> = (0..defs.items.len()).map(|_| None).collect();
    let mut progress = true;
    while progress {
        progress = false;
        for d in 0..defs.items.len() {
            if out[d].is_some() {
                continue;
            }
            let mut direct = Vec::new();
            reads(&defs.items[d].body, &Context::positive(), &mut direct);
            let callees_done = direct.iter().all(|(r, _)| match r {
                Read::Call { def, .. } => out.get(def.0 as usize).is_some_and(Option::is_some),
                Read::Verdict { .. } => true,
            });
            if callees_done {
                let expanded = expand(direct, |def| out.get(def.0 as usize).and_then(Option::as_deref).unwrap_or(&[]));
                out[d] = Some(expanded);
                progress = true;
            }
        }
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

/// A body's reads with each call replaced by what the def reads.
fn expand<'c: 'd, 'd>(
    direct: Vec<(Read<'c>, Context)>,
    callee: impl Fn(DefId) -> &'d [DefRead<'c>],
) -> Vec<DefRead<'c>> {
    let mut out = Vec::new();
    for (read, ctx) in direct {
        match read {
            Read::Verdict { verdict, by, target, loc } => {
                out.push(DefRead { verdict, by, target, loc: loc.clone(), ctx });
            }
            Read::Call { def, loc } => out.extend(callee(def).iter().map(|r| DefRead {
                verdict: r.verdict,
                by: r.by,
                target: r.target,
                loc: loc.clone(),
                ctx: ctx.within(&r.ctx),
            })),
        }
    }
    out
}

/// Rules and exemptions as the nodes of one graph (rules first, then
/// exemptions), with an edge from each to every node whose verdict it reads.
struct VerdictGraph<'p> {
    rules: &'p [Rule],
    exemptions: &'p [Exemption],
    def_reads: Vec<Vec<DefRead<'p>>>,
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

    /// The verdicts a body reads, each with where it reads them (a call's
    /// location for what a def it calls reads).
    fn edges(&self, cond: &Cond) -> Vec<Edge> {
        let mut direct = Vec::new();
        reads(cond, &Context::positive(), &mut direct);
        let mut out = Vec::new();
        for r in expand(direct, |def| self.def_reads.get(def.0 as usize).map_or(&[], Vec::as_slice)) {
            self.read(&r, &mut out);
        }
        out
    }

    /// The nodes one `is VERDICT [by RULE]` reads.
    fn read(&self, r: &DefRead, out: &mut Vec<Edge>) {
        let mut edge = |to: usize, ctx: Context| out.push(Edge { to, loc: r.loc.clone(), ctx });
        if let Some(by) = r.by {
            edge(by.index(), r.ctx.clone());
            let rule = &self.rules[by.index()];
            for x in &rule.waived_by {
                edge(self.exemption_node(x.index()), self.waiver(&r.ctx, x.index(), &rule.name));
            }
        } else if let Some(target) = r.target {
            for (i, rule) in self.rules.iter().enumerate().filter(|(_, rule)| rule.record_type == target) {
                match (r.verdict, rule.effect) {
                    (VerdictWord::Denied, Effect::Flag) => {}
                    (VerdictWord::Denied, Effect::Deny) | (VerdictWord::Flagged, Effect::Flag) => {
                        edge(i, r.ctx.clone())
                    }
                    (VerdictWord::Flagged, Effect::Deny) => {
                        edge(i, r.ctx.turned(Sign::Negative, Turn::FlaggedReadsDeny))
                    }
                    (VerdictWord::Allowed, _) => edge(i, r.ctx.turned(Sign::Negative, Turn::Allowed)),
                }
            }
            for (i, x) in self.exemptions.iter().enumerate().filter(|(_, x)| x.record_type == target) {
                let waived = x.rules.first().map_or(String::new(), |r| self.rules[r.index()].name.clone());
                edge(self.exemption_node(i), self.waiver(&r.ctx, i, &waived));
            }
        }
    }

    /// The context of reading exemption `x`'s verdict (it waives `rule`):
    /// never positive, as an exemption takes verdicts away.
    fn waiver(&self, ctx: &Context, x: usize, rule: &str) -> Context {
        ctx.turned(Sign::Mixed, Turn::Waiver(self.exemptions[x].name.clone(), rule.to_string()))
    }

    /// The error for a cycle through the edge `e` from `from`, which is not
    /// positive: the cycle is that edge and the shortest way back.
    fn refused(&self, plain: &[Vec<(usize, Loc)>], members: &HashSet<usize>, from: usize, e: &Edge) -> CheckError {
        let mut cycle = vec![(from, e.loc.clone())];
        cycle.extend(shortest_path(plain, members, e.to, from));
        let names: Vec<String> = cycle.iter().map(|(i, _)| self.name(*i)).collect();
        let message = if cycle.len() == 1 {
            format!("rule {} depends on its own verdict, and not positively", names[0])
        } else {
            format!(
                "rules depend on each other's verdicts in a cycle that is not positive: {} → {}",
                names.join(" → "),
                names[0]
            )
        };
        let turn = e.ctx.turn.clone().unwrap_or(Turn::Not);
        let mut at = Located::new(message, &e.loc, turn.label()).help(turn.help());
        for (_, loc) in &cycle[1..] {
            at = at.also(loc, "which reads");
        }
        CheckError::new(CheckErrorKind::Cycle, at)
    }
}

/// The nodes on a shortest way from `start` to `goal` inside `members`,
/// `start` first, each with the location of its edge to the next; empty
/// when `start` is `goal`.
fn shortest_path(
    edges: &[Vec<(usize, Loc)>],
    members: &HashSet<usize>,
    start: usize,
    goal: usize,
) -> Vec<(usize, Loc)> {
    if start == goal {
        return Vec::new();
    }
    let mut parent: Vec<Option<(usize, Loc)>> = vec![None; edges.len()];
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for (to, loc) in &edges[node] {
            if members.contains(to) && seen.insert(*to) {
                parent[*to] = Some((node, loc.clone()));
                queue.push_back(*to);
            }
        }
    }
    let mut path = Vec::new();
    let mut node = goal;
    while node != start {
        let Some((prev, loc)) = parent[node].clone() else { break };
        path.push((prev, loc));
        node = prev;
    }
    path.reverse();
    path
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

    /// A cycle error as (message, label, help).
    type Refusal = (String, String, String);

    /// The rule set's recursive groups (rule names), or its cycle errors.
    fn cycles(rules: &str) -> Result<Vec<Vec<String>>, Vec<Refusal>> {
        let src = SourceFile::new("t.rules", rules);
        let file = crate::syntax::parse(&src).unwrap_or_else(|e| panic!("{e}: {rules}"));
        match crate::check::check(&[(src, file)]) {
            Ok(p) => {
                Ok(p.recursive_groups().iter().map(|g| g.iter().map(|r| p.rule(*r).name.clone()).collect()).collect())
            }
            Err(errors) => Err(errors
                .into_iter()
                .map(|e| {
                    assert_eq!(e.kind(), CheckErrorKind::Cycle);
                    use miette::Diagnostic;
                    let label = e.labels().and_then(|mut l| l.next()).and_then(|l| l.label().map(String::from));
                    (e.to_string(), label.unwrap_or_default(), e.help().map(|h| h.to_string()).unwrap_or_default())
                })
                .collect()),
        }
    }

    #[track_caller]
    fn refused(rules: &str, message: &str, label: &str, help: &str) {
        match cycles(rules) {
            Ok(groups) => panic!("accepted as {groups:?}: {rules}"),
            Err(errors) => {
                assert_eq!(errors.len(), 1, "{errors:?}");
                let (m, l, h) = &errors[0];
                assert_eq!(m, message);
                assert_eq!(l, label);
                assert!(h.contains(help), "{h}");
            }
        }
    }

    #[test]
    fn positive_cycles_are_recursive_groups() {
        let one = "rule a { deny c x when x.l == true or any o in x.owners: o is denied by a }";
        assert_eq!(cycles(one), Ok(vec![vec!["a".to_string()]]));
        let two = "rule a { flag c x when any o in x.up: o is flagged by b }\n\
                   rule b { flag c x when x.s == true or (all o in x.down: o is flagged by a) }\n\
                   rule z { flag c x when x is flagged by a }";
        assert_eq!(cycles(two), Ok(vec![vec!["a".to_string(), "b".to_string()]]));
        let sum = "rule a { deny c x when sum(stake k where k.asset == x and (k.owner is denied by a): k.pct) > 50 }";
        assert_eq!(cycles(sum), Ok(vec![vec!["a".to_string()]]));
        // Through a def, and `not` twice.
        let def = "def owned(x: c) = any o in x.owners: not (not (o is denied by a))\n\
                   rule a { deny c x when owned(x) }";
        assert_eq!(cycles(def), Ok(vec![vec!["a".to_string()]]));
    }

    #[test]
    fn reads_that_are_not_positive_are_refused() {
        refused(
            "rule a { deny c x when not (x.o is denied by a) }",
            "rule `a` depends on its own verdict, and not positively",
            "read under `not`",
            "could take itself away",
        );
        refused(
            "rule a { deny c x when none o in x.os: o is denied by a }",
            "rule `a` depends on its own verdict, and not positively",
            "read under `none`",
            "could take itself away",
        );
        refused(
            "rule a { deny c x when all c o where o.p == x and o is denied by a: o.k == 1 }",
            "rule `a` depends on its own verdict, and not positively",
            "read in the `where` of `all`",
            "could take itself away",
        );
        refused(
            "rule a { deny c x when sum(stake k where k.asset == x and (k.owner is denied by a): k.pct) < 50 }",
            "rule `a` depends on its own verdict, and not positively",
            "read in a sum compared with `<`",
            "compared with `>=` or `>`",
        );
        refused(
            "rule a { deny c x when sum(stake k where k.asset == x and (k.owner is denied by a): k.pct) == 50 }",
            "rule `a` depends on its own verdict, and not positively",
            "read in a sum compared with `==`",
            "compared with `>=` or `>`",
        );
    }

    #[test]
    fn a_cycle_through_not_names_every_rule_on_it() {
        refused(
            "rule a { deny c x when x.o is denied by b }\n\
             rule b { deny c x when x.o is denied by z }\n\
             rule z { deny c x when not (x.o is denied by a) }",
            "rules depend on each other's verdicts in a cycle that is not positive: `z` → `a` → `b` → `z`",
            "read under `not`",
            "recursion must be positive",
        );
    }

    #[test]
    fn verdict_words_that_are_not_positive_are_refused() {
        let typed = "entity c { o: c }\n";
        refused(
            &format!("{typed}rule a {{ deny c x when x.o is allowed }}"),
            "rule `a` depends on its own verdict, and not positively",
            "`is allowed` holds while rules do not fire",
            "is denied by RULE",
        );
        refused(
            &format!("{typed}rule a {{ deny c x when x.o is flagged }}\nrule f {{ flag c x when x.o is denied }}"),
            "rule `a` depends on its own verdict, and not positively",
            "`is flagged` holds only while no deny rule fires",
            "is flagged by RULE",
        );
    }

    #[test]
    fn an_exemption_that_reads_the_cycle_is_refused() {
        refused(
            "rule a { deny c x when any o in x.os: o is denied by a }\n\
             exempt e \"waiver\" { waive a for c x when any o in x.os: o is denied by a }",
            "rules depend on each other's verdicts in a cycle that is not positive: `a` → exemption `e` → `a`",
            "`a` is waived by exemption `e`, which depends on the cycle",
            "an exemption that reads the cycle",
        );
        // An exemption that reads no verdict of the cycle may waive its rules.
        let fixed = "rule a { deny c x when any o in x.os: o is denied by a }\n\
                     exempt e \"waiver\" { waive a for c x when x.ok == true }";
        assert_eq!(cycles(fixed), Ok(vec![vec!["a".to_string()]]));
    }
}
