//! `contrail-sim generate`: a cluster of any size written as a scenario and its manifests.
//!
//! The cluster is [`Cluster`]: `computes` computes, `services` ClusterIP Services spread
//! round-robin over `namespaces` namespaces (`team-1` …, the first `isolated` of them
//! isolated), each Service backed by its own Deployment, the `pods` split evenly among them,
//! and `ingresses` Ingresses to the first Services. [`Cluster::files`] writes it: the same
//! cluster always gives the same bytes. The scenario applies the manifests, waits for
//! convergence and checks a few things an operator would look at first: the nodes, the first
//! Service's endpoints, a request to it from a client pod, and one through the first Ingress.

mod manifests;
mod scenario;

use std::path::{Path, PathBuf};

use crate::k8s::manifest::{MAX_OBJECTS, MAX_REPLICAS};
use crate::topology::{MAX_COMPUTES, plan};

/// Most Services a generated cluster has.
pub const MAX_SERVICES: u32 = 100_000;
/// Most pods: what the pod subnet can address, rounded down.
pub const MAX_PODS: u32 = 1_000_000;
/// Most namespaces.
pub const MAX_NAMESPACES: u32 = 1_000;
/// The scenario's file name in the output folder.
pub use scenario::FILE as SCENARIO_FILE;

/// A cluster to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub computes: u32,
    pub services: u32,
    pub pods: u32,
    pub namespaces: u32,
    /// How many of the namespaces are isolated (`opencontrail.org/isolation: "true"`).
    pub isolated: u32,
    pub ingresses: u32,
    /// The scenario's seed.
    pub seed: u64,
}

/// One file to write: a path relative to the output folder and its text.
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// The most Ingresses: one floating IP each from the global pool.
pub fn max_ingresses() -> u32 {
    let len = u32::from(plan::GLOBAL_POOL.prefix_len());
    (1u32 << (32 - len)) - 2
}

impl Cluster {
    /// Checks the sizes; the message says which one is wrong and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        let in_range = |what: &str, n: u32, min: u32, max: u32| {
            if (min..=max).contains(&n) {
                Ok(())
            } else {
                Err(format!(
                    "--{what} is {n}; it must be between {min} and {max}"
                ))
            }
        };
        in_range("computes", self.computes, 1, MAX_COMPUTES as u32)?;
        in_range("services", self.services, 0, MAX_SERVICES)?;
        in_range("pods", self.pods, 0, MAX_PODS)?;
        in_range("namespaces", self.namespaces, 1, MAX_NAMESPACES)?;
        in_range("isolated", self.isolated, 0, self.namespaces)?;
        in_range("ingresses", self.ingresses, 0, max_ingresses())?;
        if self.pods > 0 && self.services == 0 {
            return Err(format!(
                "--pods is {} but --services is 0: pods belong to the Services' Deployments",
                self.pods
            ));
        }
        if u64::from(self.pods) > u64::from(self.services) * u64::from(MAX_REPLICAS) {
            return Err(format!(
                "{} pods over {} Services is more than {MAX_REPLICAS} replicas per Deployment",
                self.pods, self.services
            ));
        }
        let per_file = 2 * u64::from(self.services.div_ceil(self.namespaces))
            + u64::from(self.ingresses.div_ceil(self.namespaces));
        if per_file > MAX_OBJECTS as u64 {
            return Err(format!(
                "{} Services in {} namespace(s) make manifest files of {per_file} objects; a \
                 file holds at most {MAX_OBJECTS}: give more --namespaces",
                self.services, self.namespaces
            ));
        }
        if self.ingresses > self.services {
            return Err(format!(
                "--ingresses is {} but there are {} Services: each Ingress serves its own",
                self.ingresses, self.services
            ));
        }
        Ok(())
    }

    /// The scenario (`scenario.yaml`) and its manifests (`manifests/…`).
    pub fn files(&self) -> Vec<File> {
        let manifests = manifests::files(self);
        let applied: Vec<&Path> = manifests.iter().map(|f| f.path.as_path()).collect();
        let scenario = File {
            path: PathBuf::from(scenario::FILE),
            text: scenario::text(self, &applied),
        };
        std::iter::once(scenario).chain(manifests).collect()
    }

    /// The name of the `n`-th namespace (from 1).
    fn namespace(&self, n: u32) -> String {
        format!("team-{n}")
    }

    /// The Services (numbered from 1) of the `n`-th namespace: they go round-robin.
    fn services_in(&self, n: u32) -> impl Iterator<Item = u32> + Clone {
        (n..=self.services).step_by(self.namespaces as usize)
    }

    /// The replicas of the `i`-th Service's Deployment: the pods split evenly, the first
    /// Services taking one more when they do not divide.
    fn replicas(&self, i: u32) -> u32 {
        let base = self.pods / self.services;
        base + u32::from(i <= self.pods % self.services)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        Cluster {
            computes: 3,
            services: 4,
            pods: 10,
            namespaces: 2,
            isolated: 1,
            ingresses: 1,
            seed: 7,
        }
    }

    #[test]
    fn pods_are_split_evenly_the_first_services_taking_the_rest() {
        let c = cluster();
        let replicas: Vec<u32> = (1..=4).map(|i| c.replicas(i)).collect();
        assert_eq!(replicas, [3, 3, 2, 2]);
        assert_eq!(replicas.iter().sum::<u32>(), c.pods);
    }

    #[test]
    fn services_go_round_robin_over_the_namespaces() {
        let c = cluster();
        assert_eq!(c.services_in(1).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(c.services_in(2).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn sizes_out_of_range_are_refused_with_the_flag_named() {
        let bad = [
            (
                Cluster {
                    computes: 0,
                    ..cluster()
                },
                "--computes is 0",
            ),
            (
                Cluster {
                    isolated: 3,
                    ..cluster()
                },
                "--isolated is 3",
            ),
            (
                Cluster {
                    services: 0,
                    ..cluster()
                },
                "--services is 0",
            ),
            (
                Cluster {
                    ingresses: 5,
                    ..cluster()
                },
                "--ingresses is 5",
            ),
            (
                Cluster {
                    ingresses: 300,
                    services: 400,
                    ..cluster()
                },
                "--ingresses is 300",
            ),
            (
                Cluster {
                    pods: 4_001,
                    ..cluster()
                },
                "more than 1000 replicas",
            ),
            (
                Cluster {
                    services: 60_000,
                    pods: 0,
                    namespaces: 1,
                    ..cluster()
                },
                "give more --namespaces",
            ),
        ];
        for (c, wanted) in bad {
            let e = c.validate().expect_err(wanted);
            assert!(e.contains(wanted), "{e:?} should say {wanted:?}");
        }
        assert_eq!(cluster().validate(), Ok(()));
    }
}
