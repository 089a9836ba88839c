//! Why a resolution failed, in sentences a pip user can act on.
//!
//! PubGrub hands back a derivation tree: every leaf is a fact (a dependency,
//! a version range with nothing in it, a version unusable for this target),
//! every inner node a conclusion drawn from its two causes, ending in "the
//! requirements are unsatisfiable". The explanation walks it the way PubGrub's
//! own reporter does, one sentence per conclusion:
//!
//! ```text
//! Because a==2.0 depends on b>=3 and only b<3 is available, a==2.0 cannot be used.
//! And because you require a>=2, the requirements are unsatisfiable.
//! ```
//!
//! Before writing, the tree is trimmed of what a reader does not need:
//! "no versions in this gap" leaves that only widen a range over versions
//! that do not exist, the `a[x]==v depends on a==v` link every extra carries,
//! and runs of versions that are unusable for the same reason, which become
//! one range. Ranges print as PEP 440 specifiers, simplified against the
//! versions known to exist (`b>=1.0` rather than `b==1.0 | ==1.1 | ==2.0`).
//! A conclusion used twice is written once, labelled `(1)`, and referred to.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;
use pubgrub::{DerivationTree, External, Term};
use version_ranges::Ranges;

use crate::package::Package;
use crate::reason::Unusable;

#[cfg(test)]
mod tests;

type Range = Ranges<Version>;

/// What the explanation knows besides the tree.
#[derive(Debug, Clone, Default)]
pub struct ExplainContext {
    /// Every version known to exist per distribution (after filtering by the
    /// target), newest first.
    ///
    /// Include the versions later found unusable (the tree gives their
    /// reason); a distribution listed with no versions reads as not found,
    /// and one not listed at all gets its ranges printed as they are.
    pub available: BTreeMap<PackageName, Vec<Version>>,
}

/// The explanation of a failed resolution, as short sentences a user can act on.
///
/// Pass the tree as PubGrub returns it: `collapse_no_versions` folds the
/// "only b<3 is available" facts into their neighbours, and the sentences
/// lose their reason.
pub fn explain(
    tree: &DerivationTree<Package, Range, Unusable>,
    context: &ExplainContext,
) -> String {
    let known = Known::new(context);
    let root = Simplifier {
        known: &known,
        memo: HashMap::new(),
    }
    .convert(tree);
    let mut writer = Writer::new(&known, &root);
    match &*root {
        Node::Fact(fact) => writer.say(
            Opening::Because,
            Vec::new(),
            &[fact],
            "the requirements are unsatisfiable",
        ),
        Node::Derived(_) => writer.conclude(&root),
    }
    writer.finish()
}

/// A leaf of the tree: something true regardless of the other requirements.
#[derive(Debug, Clone)]
enum Fact {
    /// `package` at `versions` depends on `dependency` within `required`.
    Dependency {
        package: Package,
        versions: Range,
        dependency: Package,
        required: Range,
    },
    /// No version of `package` lies within `versions`.
    NoVersions { package: Package, versions: Range },
    /// The versions of `package` within `versions` exist but cannot be used.
    Unusable {
        package: Package,
        versions: Range,
        reason: Unusable,
    },
    /// The solver's own starting point; only seen in malformed trees.
    Start,
}

impl Fact {
    /// The link every extra has to its distribution, `a[x]==v depends on a==v`.
    fn is_extra_base(&self) -> bool {
        matches!(self, Fact::Dependency {
            package: Package::Extra(name, _),
            dependency: Package::Dist(base),
            ..
        } if name == base)
    }

    fn is_root_requirement(&self) -> bool {
        matches!(
            self,
            Fact::Dependency {
                package: Package::Root,
                ..
            }
        )
    }
}

#[derive(Debug)]
enum Node {
    Fact(Fact),
    Derived(Derivation),
}

/// A conclusion: `terms` cannot all hold at once, because of `causes`.
#[derive(Debug)]
struct Derivation {
    terms: Vec<(Package, Term<Range>)>,
    /// PubGrub uses this conclusion more than once; merging it into its
    /// parent would make the other users explain it again.
    shared: bool,
    /// One or two; one only after the extra link has been dropped.
    causes: Vec<Arc<Node>>,
}

/// The known versions of each distribution, oldest first.
struct Known {
    versions: BTreeMap<PackageName, Vec<Version>>,
}

impl Known {
    fn new(context: &ExplainContext) -> Self {
        let versions = context
            .available
            .iter()
            .map(|(name, versions)| {
                let mut versions = versions.clone();
                versions.sort();
                versions.dedup();
                (name.clone(), versions)
            })
            .collect();
        Self { versions }
    }

    /// `None` when nothing was said about the package (and for the root).
    fn of(&self, package: &Package) -> Option<&[Version]> {
        package
            .name()
            .and_then(|name| self.versions.get(name))
            .map(Vec::as_slice)
    }

    /// Whether `range` holds no version known to exist.
    fn holds_none(&self, package: &Package, range: &Range) -> bool {
        self.of(package)
            .is_some_and(|versions| !versions.iter().any(|version| range.contains(version)))
    }
}

/// Turns PubGrub's tree into ours, dropping what a reader does not need.
struct Simplifier<'a> {
    known: &'a Known,
    /// Shared conclusions are converted once, so that they stay shared.
    memo: HashMap<usize, Arc<Node>>,
}

impl Simplifier<'_> {
    fn convert(&mut self, tree: &DerivationTree<Package, Range, Unusable>) -> Arc<Node> {
        let derived = match tree {
            DerivationTree::External(external) => return Arc::new(Node::Fact(fact(external))),
            DerivationTree::Derived(derived) => derived,
        };
        if let Some(node) = derived.shared_id.and_then(|id| self.memo.get(&id)) {
            return node.clone();
        }
        let mut terms: Vec<_> = derived
            .terms
            .iter()
            .map(|(package, term)| (package.clone(), term.clone()))
            .collect();
        terms.sort_by(|(a, _), (b, _)| a.cmp(b));
        let causes = vec![self.convert(&derived.cause1), self.convert(&derived.cause2)];
        let node = self.simplify(Derivation {
            terms,
            shared: derived.shared_id.is_some(),
            causes,
        });
        if let Some(id) = derived.shared_id {
            self.memo.insert(id, node.clone());
        }
        node
    }

    fn simplify(&self, mut derivation: Derivation) -> Arc<Node> {
        loop {
            if derivation.causes.len() == 2 {
                // A "no versions" leaf whose package is still in the conclusion
                // as a version to avoid only widened that range over versions
                // that do not exist; the other cause says everything, and
                // ranges print against the known versions anyway.
                if let Some(index) = derivation.causes.iter().position(|cause| {
                    matches!(&**cause, Node::Fact(Fact::NoVersions { package, versions })
                    if self.known.holds_none(package, versions)
                        && derivation.terms.iter().any(|(p, term)| {
                            p == package && matches!(term, Term::Positive(_))
                        }))
                }) {
                    let other = derivation.causes[1 - index].clone();
                    return match &*other {
                        Node::Derived(inner) if derivation.shared && !inner.shared => {
                            Arc::new(Node::Derived(Derivation {
                                terms: derivation.terms,
                                shared: true,
                                causes: inner.causes.clone(),
                            }))
                        }
                        _ => other,
                    };
                }

                // `a[x]==v depends on a==v` is how extras work, not news.
                if let Some(index) = derivation
                    .causes
                    .iter()
                    .position(|cause| matches!(&**cause, Node::Fact(fact) if fact.is_extra_base()))
                {
                    derivation.causes.remove(index);
                    if let Node::Derived(inner) = &*derivation.causes[0] {
                        if !inner.shared {
                            derivation.causes = inner.causes.clone();
                        }
                    }
                    continue;
                }

                if let [first, second] = derivation.causes.as_slice() {
                    if let (Node::Fact(first), Node::Fact(second)) = (&**first, &**second) {
                        if let Some(merged) = merge_unusable(first, second) {
                            return Arc::new(Node::Fact(merged));
                        }
                    }
                }

                // Versions found unusable one after the other form a chain
                // of conclusions; one fact with their whole range is shorter.
                if let Some(causes) = self.merge_unusable_chain(&derivation.causes) {
                    derivation.causes = causes;
                    continue;
                }
            }
            return Arc::new(Node::Derived(derivation));
        }
    }

    /// `[inner, u2]` where `inner` was derived from `[x, u1]` and `u1`, `u2`
    /// give the same reason for the same package becomes `[x, u1 ∪ u2]`.
    fn merge_unusable_chain(&self, causes: &[Arc<Node>]) -> Option<Vec<Arc<Node>>> {
        for (index, cause) in causes.iter().enumerate() {
            let Node::Fact(outer) = &**cause else {
                continue;
            };
            let Node::Derived(inner) = &*causes[1 - index] else {
                continue;
            };
            if inner.shared || inner.causes.len() != 2 {
                continue;
            }
            for (inner_index, inner_cause) in inner.causes.iter().enumerate() {
                let Node::Fact(inner_fact) = &**inner_cause else {
                    continue;
                };
                if let Some(merged) = merge_unusable(inner_fact, outer) {
                    let mut causes = inner.causes.clone();
                    causes[inner_index] = Arc::new(Node::Fact(merged));
                    return Some(causes);
                }
            }
        }
        None
    }
}

fn fact(external: &External<Package, Range, Unusable>) -> Fact {
    match external.clone() {
        External::NotRoot(..) => Fact::Start,
        External::NoVersions(package, versions) => Fact::NoVersions { package, versions },
        External::FromDependencyOf(package, versions, dependency, required) => Fact::Dependency {
            package,
            versions,
            dependency,
            required,
        },
        External::Custom(package, versions, reason) => Fact::Unusable {
            package,
            versions,
            reason,
        },
    }
}

/// Two facts about the same package for the same reason, as one.
fn merge_unusable(first: &Fact, second: &Fact) -> Option<Fact> {
    match (first, second) {
        (
            Fact::NoVersions { package, versions },
            Fact::NoVersions {
                package: other_package,
                versions: other_versions,
            },
        ) if package == other_package => Some(Fact::NoVersions {
            package: package.clone(),
            versions: versions.union(other_versions),
        }),
        (
            Fact::Unusable {
                package,
                versions,
                reason,
            },
            Fact::Unusable {
                package: other_package,
                versions: other_versions,
                reason: other_reason,
            },
        ) if package == other_package && reason == other_reason => Some(Fact::Unusable {
            package: package.clone(),
            versions: versions.union(other_versions),
            reason: reason.clone(),
        }),
        _ => None,
    }
}

/// How a sentence joins the one before it.
enum Opening {
    /// It starts a new line of reasoning.
    Because,
    /// It continues from the conclusion just written.
    AndBecause,
}

/// One sentence of the explanation.
struct Line {
    /// Without the final period; references to labels are written as
    /// [`Writer::reference`] placeholders until the labels are numbered.
    text: String,
    /// The label of the conclusion this sentence ends with, if it is reused.
    label: Option<usize>,
}

/// Writes the sentences, PubGrub's reporter walk with our wording.
struct Writer<'a> {
    known: &'a Known,
    lines: Vec<Line>,
    /// How often each conclusion is a cause; more than once means it gets a label.
    uses: HashMap<*const Node, usize>,
    labels: HashMap<*const Node, usize>,
}

impl<'a> Writer<'a> {
    fn new(known: &'a Known, root: &Arc<Node>) -> Self {
        let mut uses = HashMap::new();
        count_uses(root, &mut uses);
        Self {
            known,
            lines: Vec::new(),
            uses,
            labels: HashMap::new(),
        }
    }

    /// Explains `node`, ending with a sentence that concludes it, labelled
    /// when the conclusion is used again.
    fn conclude(&mut self, node: &Arc<Node>) {
        let Node::Derived(derivation) = &**node else {
            return;
        };
        self.explain(derivation);
        if self.uses.get(&Arc::as_ptr(node)).copied().unwrap_or(0) > 1 {
            self.label_last(node);
        }
    }

    fn explain(&mut self, derivation: &Derivation) {
        let conclusion = self.known.conclusion(&derivation.terms);
        match derivation.causes.as_slice() {
            [single] => match &**single {
                Node::Fact(fact) => self.say(Opening::Because, Vec::new(), &[fact], &conclusion),
                Node::Derived(inner) => {
                    if !self.labels.contains_key(&Arc::as_ptr(single)) {
                        self.conclude(single);
                    }
                    let because = self.because(single, inner);
                    self.push(format!("So, because {because}, {conclusion}"));
                }
            },
            [first, second] => match (&**first, &**second) {
                (Node::Fact(first), Node::Fact(second)) => {
                    self.say(Opening::Because, Vec::new(), &[first, second], &conclusion)
                }
                (Node::Derived(inner), Node::Fact(fact)) => {
                    self.one_of_each(first, inner, fact, &conclusion)
                }
                (Node::Fact(fact), Node::Derived(inner)) => {
                    self.one_of_each(second, inner, fact, &conclusion)
                }
                (Node::Derived(first_inner), Node::Derived(second_inner)) => {
                    let first_label = self.labels.contains_key(&Arc::as_ptr(first));
                    let second_label = self.labels.contains_key(&Arc::as_ptr(second));
                    match (first_label, second_label) {
                        (true, true) => {
                            let first = self.because(first, first_inner);
                            let second = self.because(second, second_inner);
                            self.push(format!("Because {first} and {second}, {conclusion}"));
                        }
                        (true, false) => {
                            self.conclude(second);
                            let first = self.because(first, first_inner);
                            self.push(format!("And because {first}, {conclusion}"));
                        }
                        (false, true) => {
                            self.conclude(first);
                            let second = self.because(second, second_inner);
                            self.push(format!("And because {second}, {conclusion}"));
                        }
                        (false, false) => {
                            // Explain one side, label it so that the sentence
                            // after the other side's explanation can name it.
                            self.conclude(first);
                            self.label_last(first);
                            let first = self.because(first, first_inner);
                            if self.labels.contains_key(&Arc::as_ptr(second)) {
                                // Explained on the way to the first.
                                let second = self.because(second, second_inner);
                                self.push(format!("Because {first} and {second}, {conclusion}"));
                            } else {
                                self.conclude(second);
                                self.push(format!("And because {first}, {conclusion}"));
                            }
                        }
                    }
                }
            },
            _ => self.push(conclusion),
        }
    }

    /// A conclusion `inner` and a fact lead to `conclusion`.
    fn one_of_each(&mut self, node: &Arc<Node>, inner: &Derivation, fact: &Fact, conclusion: &str) {
        if self.labels.contains_key(&Arc::as_ptr(node)) {
            let because = self.because(node, inner);
            self.say(Opening::Because, vec![because], &[fact], conclusion);
            return;
        }
        let reused = self.uses.get(&Arc::as_ptr(node)).copied().unwrap_or(0) > 1;
        if !reused {
            // When `inner` itself rests on one fact and one conclusion, the
            // two facts make one sentence and `inner`'s conclusion, which
            // the next sentence would only repeat, is skipped.
            match inner.causes.as_slice() {
                [only] => {
                    if let Node::Fact(prior) = &**only {
                        self.say(Opening::Because, Vec::new(), &[prior, fact], conclusion);
                        return;
                    }
                }
                [first, second] => {
                    let prior = match (&**first, &**second) {
                        (Node::Derived(_), Node::Fact(prior)) => Some((first, prior)),
                        (Node::Fact(prior), Node::Derived(_)) => Some((second, prior)),
                        _ => None,
                    };
                    if let Some((prior_node, prior)) = prior {
                        if !self.labels.contains_key(&Arc::as_ptr(prior_node)) {
                            self.conclude(prior_node);
                            self.say(Opening::AndBecause, Vec::new(), &[prior, fact], conclusion);
                            return;
                        }
                    }
                }
                _ => {}
            }
        }
        self.conclude(node);
        self.say(Opening::AndBecause, Vec::new(), &[fact], conclusion);
    }

    /// "Because <earlier conclusions> and <facts>, <conclusion>".
    ///
    /// A fact whose wording has punctuation of its own ("has only a source
    /// distribution, and …") would blur where the reasons end, so it gets a
    /// sentence of its own first.
    fn say(
        &mut self,
        opening: Opening,
        mut reasons: Vec<String>,
        facts: &[&Fact],
        conclusion: &str,
    ) {
        let (alone, joined): (Vec<&Fact>, Vec<&Fact>) = facts
            .iter()
            .partition(|fact| has_punctuation(&self.known.fact(fact)));
        for fact in &alone {
            self.push(self.known.fact(fact));
        }
        if !joined.is_empty() {
            reasons.push(self.known.facts(&joined));
        }
        let opening = match opening {
            Opening::Because if alone.is_empty() => "Because",
            _ => "And because",
        };
        if reasons.is_empty() {
            self.push(format!("So {conclusion}"));
        } else {
            self.push(format!("{opening} {}, {conclusion}", join_and(&reasons)));
        }
    }

    /// "<conclusion> (<label>)", for a conclusion explained earlier.
    fn because(&self, node: &Arc<Node>, derivation: &Derivation) -> String {
        let conclusion = self.known.conclusion(&derivation.terms);
        match self.labels.get(&Arc::as_ptr(node)) {
            Some(label) => format!("{conclusion} {}", Self::reference(*label)),
            None => conclusion,
        }
    }

    fn push(&mut self, text: String) {
        self.lines.push(Line { text, label: None });
    }

    fn label_last(&mut self, node: &Arc<Node>) {
        if self.labels.contains_key(&Arc::as_ptr(node)) {
            return;
        }
        let label = self.labels.len() + 1;
        if let Some(line) = self.lines.last_mut() {
            line.label = Some(label);
            self.labels.insert(Arc::as_ptr(node), label);
        }
    }

    /// A placeholder, numbered for real once we know which labels are read.
    fn reference(label: usize) -> String {
        format!("\u{1}{label}\u{1}")
    }

    /// Numbers the labels that are referred to in reading order and drops
    /// the others.
    fn finish(self) -> String {
        let mut numbers = HashMap::new();
        for line in &self.lines {
            if let Some(label) = line.label {
                if self
                    .lines
                    .iter()
                    .any(|other| other.text.contains(&Self::reference(label)))
                {
                    let number = numbers.len() + 1;
                    numbers.insert(label, number);
                }
            }
        }
        let mut out = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            let mut text = line.text.clone();
            for (label, number) in &numbers {
                text = text.replace(&Self::reference(*label), &format!("({number})"));
            }
            match line.label.and_then(|label| numbers.get(&label)) {
                Some(number) => out.push(format!("{text} ({number}).")),
                None => out.push(format!("{text}.")),
            }
        }
        out.join("\n")
    }
}

fn count_uses(node: &Arc<Node>, uses: &mut HashMap<*const Node, usize>) {
    let Node::Derived(derivation) = &**node else {
        return;
    };
    let count = uses.entry(Arc::as_ptr(node)).or_insert(0);
    *count += 1;
    if *count == 1 {
        for cause in &derivation.causes {
            count_uses(cause, uses);
        }
    }
}

/// The versions a phrase is about.
enum Versions {
    /// Every version known (or the whole range when none are known).
    Every,
    /// A specifier to write after the name, like `>=1.0` or `==2.0`.
    Some(String),
}

impl Known {
    /// One fact as a clause, e.g. "a==2.0 depends on b>=3".
    fn fact(&self, fact: &Fact) -> String {
        match fact {
            Fact::Dependency {
                package: Package::Root,
                dependency,
                required,
                ..
            } => {
                format!("you require {}", requirement(dependency, required))
            }
            Fact::Dependency {
                package, versions, ..
            }
            | Fact::Unusable {
                package, versions, ..
            } => {
                format!("{} {}", self.subject(package, versions), predicate(fact))
            }
            Fact::NoVersions { package, versions } => self.no_versions(package, versions),
            Fact::Start => "pipit resolves your requirements".to_string(),
        }
    }

    /// Several facts joined into one clause: a dependency before what is
    /// known about its target, the user's own requirements last and together
    /// ("you require a>=2 and b").
    fn facts(&self, facts: &[&Fact]) -> String {
        let (required, mut others): (Vec<&Fact>, Vec<&Fact>) =
            facts.iter().partition(|fact| fact.is_root_requirement());
        others.sort_by_key(|fact| match fact {
            Fact::Dependency { .. } => 0,
            _ => 1,
        });
        if let [first, second] = others.as_slice() {
            if depends_on(second, first) {
                others.swap(0, 1);
            }
        }
        let mut clauses: Vec<String> = match others.as_slice() {
            [dependency, target] if self.describes_dependency(dependency, target) => {
                let clause = format!("{} which {}", self.fact(dependency), predicate(target));
                vec![clause]
            }
            // The reader only needs the part of an empty range the dependency
            // asks for: "a depends on b>=3 and only b<3 is available".
            [dependency @ Fact::Dependency {
                dependency: name,
                required,
                ..
            }, Fact::NoVersions { package, versions }]
                if name == package && required.subset_of(versions) =>
            {
                vec![self.fact(dependency), self.no_versions(package, required)]
            }
            // "b==3.0 depends on c>=2 and d!=1.0", not "… and b==3.0 depends on d!=1.0".
            [Fact::Dependency {
                package,
                versions,
                dependency,
                required,
            }, Fact::Dependency {
                package: other_package,
                versions: other_versions,
                dependency: other_dependency,
                required: other_required,
            }] if package == other_package && versions == other_versions => {
                vec![format!(
                    "{} depends on {} and {}",
                    self.subject(package, versions),
                    requirement(dependency, required),
                    requirement(other_dependency, other_required)
                )]
            }
            _ => others.iter().map(|fact| self.fact(fact)).collect(),
        };
        let required: Vec<String> = required
            .iter()
            .filter_map(|fact| match fact {
                Fact::Dependency {
                    dependency,
                    required,
                    ..
                } => Some(requirement(dependency, required)),
                _ => None,
            })
            .collect();
        if !required.is_empty() {
            clauses.push(format!("you require {}", join_and(&required)));
        }
        join_and(&clauses)
    }

    /// Whether `target` holds for every known version `dependency` allows,
    /// so that "a depends on b>=2 which depends on c" says no more than is true.
    fn describes_dependency(&self, dependency: &Fact, target: &Fact) -> bool {
        let (
            Fact::Dependency {
                dependency: name,
                required,
                ..
            },
            Some(versions),
        ) = (dependency, target_versions(target))
        else {
            return false;
        };
        if !depends_on(dependency, target) || has_punctuation(&predicate(target)) {
            return false;
        }
        match self.of(name) {
            Some(known) if !known.is_empty() => {
                let allowed: Vec<_> = known
                    .iter()
                    .filter(|version| required.contains(version))
                    .collect();
                !allowed.is_empty() && allowed.iter().all(|version| versions.contains(version))
            }
            _ => required.subset_of(versions),
        }
    }

    fn no_versions(&self, package: &Package, versions: &Range) -> String {
        let name = package
            .name()
            .map_or_else(|| package.to_string(), ToString::to_string);
        let Some(known) = self.of(package) else {
            return if versions == &Range::full() {
                format!("no version of {package} is available")
            } else {
                format!("no versions of {package} match {}", specifier(versions))
            };
        };
        if known.is_empty() {
            return format!("{name} was not found");
        }
        // Versions the tree says do not exist but the context lists: they
        // were left out for a reason the tree does not carry.
        if versions == &Range::full() {
            return format!("no version of {package} can be used");
        }
        if known.iter().any(|version| versions.contains(version)) {
            return format!(
                "no usable version of {package} matches {}",
                specifier(versions)
            );
        }
        if let [only] = known {
            return format!("only {package}=={only} is available");
        }
        let rest = versions.complement();
        if rest.iter().count() == 1 {
            return format!("only {package}{} is available", specifier(&rest));
        }
        match versions.iter().collect::<Vec<_>>().as_slice() {
            [(lower, upper)] if exact(lower, upper).is_some() => {
                format!("{package}{} is not available", specifier(versions))
            }
            _ => format!("no versions of {package} match {}", specifier(versions)),
        }
    }

    /// A conclusion as a clause, e.g. "a==2.0 cannot be used".
    fn conclusion(&self, terms: &[(Package, Term<Range>)]) -> String {
        // The root is always selected; "your requirements and a==1.0 cannot be
        // used together" says no more than "a==1.0 cannot be used".
        let terms: Vec<_> = terms
            .iter()
            .filter(|(package, _)| package != &Package::Root)
            .collect();
        let used: Vec<(&Package, Versions)> = terms
            .iter()
            .filter_map(|(package, term)| match term {
                Term::Positive(range) => Some((package, self.versions(package, range))),
                Term::Negative(_) => None,
            })
            .collect();
        let needed: Vec<String> = terms
            .iter()
            .filter_map(|(package, term)| match term {
                Term::Negative(range) => Some(requirement(package, range)),
                Term::Positive(_) => None,
            })
            .collect();
        let needed = join_or(&needed);
        match used.as_slice() {
            [] if needed.is_empty() => "the requirements are unsatisfiable".to_string(),
            [] => format!("{needed} is required"),
            [(package, Versions::Every)] if needed.is_empty() => {
                format!("no version of {package} can be used")
            }
            [(package, versions)] if needed.is_empty() => {
                format!("{} cannot be used", name_with(package, versions))
            }
            [(package, versions)] => {
                format!("{} requires {needed}", self.subject_of(package, versions))
            }
            [(package, Versions::Some(specifier)), (other, Versions::Every)]
            | [(other, Versions::Every), (package, Versions::Some(specifier))]
                if needed.is_empty() =>
            {
                format!("{package}{specifier} cannot be used with any version of {other}")
            }
            many => {
                let names: Vec<String> = many
                    .iter()
                    .map(|(package, versions)| name_with(package, versions))
                    .collect();
                if needed.is_empty() {
                    format!("{} cannot be used together", join_and(&names))
                } else {
                    format!("{} together require {needed}", join_and(&names))
                }
            }
        }
    }

    /// A package and the versions a sentence is about, e.g. "a>=1.0" or
    /// "every version of a".
    fn subject(&self, package: &Package, range: &Range) -> String {
        self.subject_of(package, &self.versions(package, range))
    }

    fn subject_of(&self, package: &Package, versions: &Versions) -> String {
        match versions {
            Versions::Every => format!("every version of {package}"),
            Versions::Some(specifier) => format!("{package}{specifier}"),
        }
    }

    /// The shortest specifier that holds the same known versions as `range`.
    fn versions(&self, package: &Package, range: &Range) -> Versions {
        let known = match self.of(package) {
            Some(known) if !known.is_empty() => known,
            _ if range == &Range::full() => return Versions::Every,
            _ => return Versions::Some(specifier(range)),
        };
        let held: Vec<bool> = known
            .iter()
            .map(|version| range.contains(version))
            .collect();
        let count = held.iter().filter(|held| **held).count();
        if count == 0 {
            return Versions::Some(specifier(range));
        }
        if count == 1 {
            let index = held.iter().position(|held| *held).unwrap_or_default();
            return Versions::Some(format!("=={}", known[index]));
        }
        if count == known.len() {
            return Versions::Every;
        }
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (index, held) in held.iter().enumerate() {
            if !held {
                continue;
            }
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == index => *end = index,
                _ => runs.push((index, index)),
            }
        }
        if let [(_, end), (start, _)] = runs.as_slice() {
            if start - end == 2 && runs[0].0 == 0 && runs[1].1 == known.len() - 1 {
                return Versions::Some(format!("!={}", known[end + 1]));
            }
        }
        let last = known.len() - 1;
        let runs: Vec<String> = runs
            .iter()
            .map(|&(start, end)| match (start, end) {
                (start, end) if start == end => format!("=={}", known[start]),
                (start, end) if end == last => format!(">={}", known[start]),
                (0, end) => format!("<={}", known[end]),
                (start, end) => format!(">={},<={}", known[start], known[end]),
            })
            .collect();
        Versions::Some(runs.join(" | "))
    }
}

/// "a>=1.0", or "a" for every version.
fn name_with(package: &Package, versions: &Versions) -> String {
    match versions {
        Versions::Every => package.to_string(),
        Versions::Some(specifier) => format!("{package}{specifier}"),
    }
}

/// What a fact says about its subject: "depends on b>=3", "requires Python …".
fn predicate(fact: &Fact) -> String {
    match fact {
        Fact::Dependency {
            dependency,
            required,
            ..
        } => {
            format!("depends on {}", requirement(dependency, required))
        }
        Fact::Unusable { reason, .. } => reason.to_string(),
        Fact::NoVersions { .. } | Fact::Start => String::new(),
    }
}

/// The versions of its package a dependency or an unusable fact is about.
fn target_versions(fact: &Fact) -> Option<&Range> {
    match fact {
        Fact::Dependency { versions, .. } | Fact::Unusable { versions, .. } => Some(versions),
        Fact::NoVersions { .. } | Fact::Start => None,
    }
}

/// Whether `dependency` is a dependency on the package `target` is about.
fn depends_on(dependency: &Fact, target: &Fact) -> bool {
    let target = match target {
        Fact::Dependency { package, .. } | Fact::Unusable { package, .. } => package,
        Fact::NoVersions { .. } | Fact::Start => return false,
    };
    matches!(dependency, Fact::Dependency { dependency, .. } if dependency == target)
}

/// "b>=3", or "b" for any version.
fn requirement(package: &Package, range: &Range) -> String {
    if range.is_empty() {
        return format!("{package} with specifiers no version can meet");
    }
    format!("{package}{}", specifier(range))
}

/// A range as PEP 440 specifiers: `>=1.0,<2.0`, `!=1.5`, `<1.0 | >2.0`, or
/// nothing for any version.
///
/// Reads back the shapes `crate::ranges` builds: `==1.0` is `[1.0,
/// 1.0.post0.dev0)` (local versions included), `<2` ends at `2`'s
/// lowest-sorting marker, `==1.*` is `[1.min, 2.min)`.
fn specifier(range: &Range) -> String {
    let segments: Vec<_> = range.iter().collect();
    if let (Some((lower, _)), Some((_, upper))) = (segments.first(), segments.last()) {
        // Gaps that are single versions or prefixes read as exclusions from
        // the whole span: `>=1.0,!=1.5`.
        let holes: Option<Vec<String>> = segments
            .windows(2)
            .map(|pair| {
                let (lower, upper) = (flip(pair[0].1), flip(pair[1].0));
                exact(&lower, &upper)
                    .map(|version| format!("!={version}"))
                    .or_else(|| wildcard(&lower, &upper).map(|prefix| format!("!={prefix}.*")))
            })
            .collect();
        if let Some(holes) = holes.filter(|holes| !holes.is_empty()) {
            let span = segment(lower, upper);
            return std::iter::once(span)
                .filter(|span| !span.is_empty())
                .chain(holes)
                .collect::<Vec<_>>()
                .join(",");
        }
    }
    let segments: Vec<String> = segments
        .into_iter()
        .map(|(lower, upper)| segment(lower, upper))
        .collect();
    segments.join(" | ")
}

/// The bound on the other side of the same version: where a gap between two
/// segments starts or ends.
fn flip(bound: &Bound<Version>) -> Bound<Version> {
    match bound {
        Bound::Included(version) => Bound::Excluded(version.clone()),
        Bound::Excluded(version) => Bound::Included(version.clone()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn segment(lower: &Bound<Version>, upper: &Bound<Version>) -> String {
    if let Some(version) = exact(lower, upper) {
        return format!("=={version}");
    }
    if let Some(prefix) = wildcard(lower, upper) {
        return format!("=={prefix}.*");
    }
    let lower = match lower {
        Bound::Included(low) => Some(match last_before(low) {
            Some(version) => format!(">{version}"),
            None => format!(">={low}"),
        }),
        Bound::Excluded(low) => Some(format!(">{low}")),
        Bound::Unbounded => None,
    };
    let upper = match upper {
        Bound::Included(high) => Some(format!("<={high}")),
        Bound::Excluded(high) => Some(match last_before(high) {
            Some(version) => format!("<={version}"),
            // PEP 440: `<2` already excludes 2's pre-releases, so a range
            // ending at `2.dev0` reads as `<2`.
            None => format!("<{}", without_dev0(high)),
        }),
        Bound::Unbounded => None,
    };
    match (lower, upper) {
        (Some(lower), Some(upper)) => format!("{lower},{upper}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => String::new(),
    }
}

/// The one version (with its local versions) a segment holds, if that is all it holds.
fn exact<'v>(lower: &'v Bound<Version>, upper: &Bound<Version>) -> Option<&'v Version> {
    match (lower, upper) {
        (Bound::Included(low), Bound::Included(high)) if low == high => Some(low),
        (Bound::Included(low), Bound::Excluded(high))
            if last_before(high).as_ref() == Some(low) =>
        {
            Some(low)
        }
        _ => None,
    }
}

/// `V` when `bound` is the first public version after `V` and its local
/// versions (`V.post0.dev0`, or `V.postN+1.dev0` for a post-release `V`),
/// the bound `crate::ranges` gives `==V` and `<=V`.
fn last_before(bound: &Version) -> Option<Version> {
    if bound.dev() != Some(0) || bound.is_local() || bound.min().is_some() || bound.max().is_some()
    {
        return None;
    }
    let post = bound.post()?;
    let version = bound.clone().with_dev(None);
    Some(match post.checked_sub(1) {
        Some(previous) => version.with_post(Some(previous)),
        None => version.with_post(None),
    })
}

/// The release prefix `P` when a segment is `==P.*`: from the lowest-sorting
/// version of `P` up to that of the next prefix.
fn wildcard(lower: &Bound<Version>, upper: &Bound<Version>) -> Option<String> {
    let (Bound::Included(low), Bound::Excluded(high)) = (lower, upper) else {
        return None;
    };
    let plain = |version: &Version| {
        version.pre().is_none()
            && version.post().is_none()
            && version.max().is_none()
            && !version.is_local()
    };
    let lowest = |version: &Version| version.min() == Some(0) || version.dev() == Some(0);
    let low_fits = plain(low) && lowest(low);
    let high_fits = plain(high) && (lowest(high) || (high.min().is_none() && high.dev().is_none()));
    if !low_fits || !high_fits || low.epoch() != high.epoch() {
        return None;
    }
    let (low_last, low_rest) = low.release().split_last()?;
    let (high_last, high_rest) = high.release().split_last()?;
    if low_rest != high_rest || low_last.checked_add(1) != Some(*high_last) {
        return None;
    }
    Some(
        Version::new(low.release())
            .with_epoch(low.epoch())
            .to_string(),
    )
}

/// `X.dev0` as `X`, for a bound that stands for "below every release of `X`".
fn without_dev0(version: &Version) -> Version {
    if version.dev() == Some(0)
        && version.pre().is_none()
        && version.post().is_none()
        && !version.is_local()
    {
        version.clone().with_dev(None)
    } else {
        version.clone()
    }
}

/// Whether a clause has commas or semicolons of its own.
fn has_punctuation(clause: &str) -> bool {
    clause.contains(", ") || clause.contains("; ")
}

fn join_and(parts: &[String]) -> String {
    join(parts, "and")
}

fn join_or(parts: &[String]) -> String {
    join(parts, "or")
}

fn join(parts: &[String], word: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}
