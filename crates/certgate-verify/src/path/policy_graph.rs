//! RFC 9618's policy graph: the valid_policy_tree of RFC 5280 §6.1 with at most one
//! node per valid_policy at each depth, each node with all its parents. [`Graph`] does
//! the tree's steps (§6.1.3 (d), §6.1.4 (b), §6.1.5 (g)); [`crate::path::policy`] holds
//! the state variables around them.

use std::collections::BTreeMap;

use crate::path::policy::{ANY_POLICY_DOTTED, MAX_POLICY_NODES, PolicySets};
use crate::path::policy_ext::{ANY_POLICY, CertPolicies as Cert};
use crate::path::violation::Rfc5280Violation as V;

/// The parents of a node.
#[derive(Debug)]
enum Parents {
    /// The anyPolicy node of the level above (for anyPolicy nodes and the root, whose
    /// parent is none, too).
    Any,
    /// Concrete nodes of the level above, by index.
    Of(Vec<usize>),
}

/// A node of the policy graph at some depth.
#[derive(Debug)]
struct Node<'a> {
    /// valid_policy (OID content octets).
    policy: &'a [u8],
    /// expected_policy_set, when a mapping set it; `{policy}` otherwise.
    mapped: Option<Vec<&'a [u8]>>,
    /// The nodes of the level above it descends from.
    parents: Parents,
}

impl<'a> Node<'a> {
    fn expected(&self) -> &[&'a [u8]] {
        self.mapped
            .as_deref()
            .unwrap_or(std::slice::from_ref(&self.policy))
    }
}

/// The nodes of one depth, at most one per valid_policy.
#[derive(Debug, Default)]
struct Level<'a> {
    nodes: Vec<Node<'a>>,
    index: BTreeMap<&'a [u8], usize>,
}

impl<'a> Level<'a> {
    fn get(&self, policy: &[u8]) -> Option<usize> {
        self.index.get(policy).copied()
    }

    fn has_any(&self) -> bool {
        self.index.contains_key(ANY_POLICY)
    }

    fn push(&mut self, node: Node<'a>) {
        self.index.insert(node.policy, self.nodes.len());
        self.nodes.push(node);
    }
}

/// The valid_policy_tree as RFC 9618's graph: one level per depth, depth 0 the root.
#[derive(Debug)]
pub(crate) struct Graph<'a> {
    levels: Vec<Level<'a>>,
    /// Nodes in all levels, against [`MAX_POLICY_NODES`].
    count: usize,
}

impl<'a> Graph<'a> {
    /// §6.1.2 (a): the root, anyPolicy, expecting anyPolicy.
    pub(crate) fn new() -> Self {
        let mut root = Level::default();
        root.push(Node {
            policy: ANY_POLICY,
            mapped: None,
            parents: Parents::Any,
        });
        Self {
            levels: vec![root],
            count: 1,
        }
    }

    fn last(&self) -> Option<&Level<'a>> {
        self.levels.last()
    }

    /// Whether the deepest level is empty: the tree, pruned, would be NULL.
    pub(crate) fn is_null(&self) -> bool {
        self.last().is_none_or(|l| l.nodes.is_empty())
    }

    fn grow(&mut self, level: &mut Level<'a>, node: Node<'a>) -> Result<(), V> {
        self.count += 1;
        if self.count > MAX_POLICY_NODES {
            return Err(V::PolicyGraphTooLarge {
                max: MAX_POLICY_NODES,
            });
        }
        level.push(node);
        Ok(())
    }

    /// §6.1.3 (d)(1), (2): the level of a certificate with certificatePolicies.
    pub(crate) fn add_level(&mut self, cert: &Cert<'a>, any_allowed: bool) -> Result<(), V> {
        // Each value of an expected_policy_set above, with the nodes that expect it.
        let mut expecting: BTreeMap<&'a [u8], Vec<usize>> = BTreeMap::new();
        let above_has_any = self.last().is_some_and(Level::has_any);
        for (index, node) in self
            .last()
            .into_iter()
            .flat_map(|l| l.nodes.iter().enumerate())
        {
            for &policy in node.expected() {
                expecting.entry(policy).or_default().push(index);
            }
        }
        let mut level = Level::default();
        let mut asserts_any = false;
        for policy in cert.policies() {
            if policy == ANY_POLICY {
                asserts_any = true;
                continue;
            }
            let parents = match expecting.get(policy) {
                Some(parents) => Parents::Of(parents.clone()), // (1)(i)
                None if above_has_any => Parents::Any,         // (1)(ii)
                None => continue,
            };
            let mapped = None;
            self.grow(
                &mut level,
                Node {
                    policy,
                    mapped,
                    parents,
                },
            )?;
        }
        if asserts_any && any_allowed {
            // (2): every expected policy not yet matched, anyPolicy included.
            for (policy, parents) in expecting {
                if level.get(policy).is_some() {
                    continue;
                }
                let parents = if policy == ANY_POLICY {
                    Parents::Any
                } else {
                    Parents::Of(parents)
                };
                let mapped = None;
                self.grow(
                    &mut level,
                    Node {
                        policy,
                        mapped,
                        parents,
                    },
                )?;
            }
        }
        // (3), pruning, is left to the end (RFC 9618 section 5.3).
        self.levels.push(level);
        Ok(())
    }

    /// §6.1.4 (b): the certificate's policyMappings on the deepest level, followed when
    /// `follow` (policy_mapping > 0), else the mapped policies deleted.
    pub(crate) fn apply_mappings(&mut self, cert: &Cert<'a>, follow: bool) -> Result<(), V> {
        let mut maps: BTreeMap<&'a [u8], Vec<&'a [u8]>> = BTreeMap::new();
        for (issuer, subject) in cert.mappings() {
            let subjects = maps.entry(issuer).or_default();
            if !subjects.contains(&subject) {
                subjects.push(subject);
            }
        }
        if maps.is_empty() {
            return Ok(());
        }
        let Some(mut level) = self.levels.pop() else {
            return Ok(());
        };
        let result = if follow {
            self.follow_mappings(&mut level, maps)
        } else {
            // (b)(2): delete the nodes of the mapped policies (pruning left to the end).
            level.nodes.retain(|n| !maps.contains_key(n.policy));
            level.index = level
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.policy, i))
                .collect();
            Ok(())
        };
        self.levels.push(level);
        result
    }

    /// §6.1.4 (b)(1).
    fn follow_mappings(
        &mut self,
        level: &mut Level<'a>,
        maps: BTreeMap<&'a [u8], Vec<&'a [u8]>>,
    ) -> Result<(), V> {
        let has_any = level.has_any();
        for (issuer, subjects) in maps {
            match level.get(issuer) {
                Some(i) => {
                    if let Some(node) = level.nodes.get_mut(i) {
                        node.mapped = Some(subjects);
                    }
                }
                None if has_any => {
                    let node = Node {
                        policy: issuer,
                        mapped: Some(subjects),
                        parents: Parents::Any,
                    };
                    self.grow(level, node)?;
                }
                None => {}
            }
        }
        Ok(())
    }

    /// §6.1.5 (g): the authorities-constrained set, and the user-constrained one for
    /// `user` (`None` for any-policy).
    pub(crate) fn policy_sets(&self, user: Option<&[Vec<u8>]>) -> PolicySets {
        let dotted = |oid: &[u8]| {
            if oid == ANY_POLICY {
                ANY_POLICY_DOTTED.to_owned()
            } else {
                certgate_x509::oid::dotted(oid).unwrap_or_default()
            }
        };
        let Some(last) = self.last() else {
            return PolicySets::default();
        };
        let authority: Vec<String> = last.nodes.iter().map(|n| dotted(n.policy)).collect();
        let Some(user) = user else {
            return PolicySets::new(authority.clone(), authority);
        };
        let user_constrained = self
            .user_constrained(user)
            .into_iter()
            .map(dotted)
            .collect::<Vec<_>>();
        PolicySets::new(authority, user_constrained)
    }

    /// §6.1.5 (g)(iii) on the graph: the valid_policy values at the last depth of the
    /// intersection with `user` (not any-policy).
    ///
    /// In the tree, every branch is anyPolicy nodes and then concrete ones; the first
    /// concrete node is the one whose parent is anyPolicy (the valid_policy_node_set).
    /// A branch survives (2) when that node's policy is in `user`; the anyPolicy leaf,
    /// if any, gives way (3) to the policies of `user` that no node of the (pruned)
    /// valid_policy_node_set has.
    fn user_constrained<'u>(&'u self, user: &'u [Vec<u8>]) -> Vec<&'u [u8]> {
        let in_user = |p: &[u8]| user.iter().any(|u| u == p);
        // Reachable from the last level: what pruning would keep.
        let mut reachable: Vec<Vec<bool>> = self
            .levels
            .iter()
            .map(|l| vec![false; l.nodes.len()])
            .collect();
        let mut vpns: Vec<&[u8]> = Vec::new();
        for depth in (1..self.levels.len()).rev() {
            let (above, here) = reachable.split_at_mut(depth);
            let (Some(above), Some(here)) = (above.last_mut(), here.first_mut()) else {
                continue;
            };
            let last = depth + 1 == self.levels.len();
            let level = &self.levels[depth];
            for (i, node) in level.nodes.iter().enumerate() {
                if !(last || here.get(i).copied().unwrap_or(false)) {
                    continue;
                }
                match &node.parents {
                    Parents::Any => {
                        if node.policy != ANY_POLICY {
                            vpns.push(node.policy);
                        }
                        if let Some(a) = self.levels[depth - 1].get(ANY_POLICY) {
                            above[a] = true;
                        }
                    }
                    Parents::Of(parents) => parents.iter().for_each(|&p| above[p] = true),
                }
            }
        }
        // Kept: concrete nodes whose branch starts in `user`, top down.
        let mut kept: Vec<bool> = Vec::new();
        for level in self.levels.iter().skip(1) {
            kept = level
                .nodes
                .iter()
                .map(|node| match &node.parents {
                    Parents::Any => node.policy != ANY_POLICY && in_user(node.policy),
                    Parents::Of(parents) => parents.iter().any(|&p| kept.get(p) == Some(&true)),
                })
                .collect();
        }
        let Some(last) = self.last() else {
            return Vec::new();
        };
        let mut out: Vec<&[u8]> = last
            .nodes
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|(n, _)| n.policy)
            .collect();
        if last.has_any() && self.levels.len() > 1 {
            out.extend(user.iter().map(Vec::as_slice).filter(|p| !vpns.contains(p)));
        }
        out
    }
}
