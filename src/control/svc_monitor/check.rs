//! svc-monitor's periodic check (`check_service_interval`, 60 s): it reads each vRouter
//! agent's state from analytics (a vRouter is down after three checks in a row found it
//! down; one good check brings it back), takes the VMs of a down vRouter off it, and
//! relaunches an instance missing a VM on a functional vRouter that does not host the sibling.
//! After every tenth launch of an instance it skips ten checks of it. Checks run only while
//! they have something to find (see `world::heartbeat`).

use std::sync::Arc;

use super::SvcMonitor;
use crate::world::Ctx;
use crate::world::timeline::{Actor, What};

impl SvcMonitor {
    pub(super) fn check(&mut self, ctx: &mut Ctx) {
        for (node, v) in self.vrouters.iter_mut() {
            if v.reported_up {
                if !v.functional {
                    ctx.note(
                        Actor::SvcMonitor,
                        What::VrouterState {
                            node: *node,
                            up: true,
                        },
                    );
                }
                v.functional = true;
                v.down_checks = 0;
            } else if v.functional {
                v.down_checks += 1;
                if v.down_checks % 3 == 0 {
                    v.functional = false;
                    ctx.note(
                        Actor::SvcMonitor,
                        What::VrouterState {
                            node: *node,
                            up: false,
                        },
                    );
                }
            }
        }
        let uuids: Vec<Arc<str>> = self.instances.keys().cloned().collect();
        let mut waiting = false;
        for uuid in uuids {
            let Some(si) = self.instances.get_mut(&uuid) else {
                continue;
            };
            if si.back_off > 0 {
                si.back_off -= 1;
                waiting = true;
                continue;
            }
            for slot in si.vms.iter_mut() {
                if let Some(node) = *slot
                    && !self.vrouters.get(&node).is_some_and(|v| v.functional)
                {
                    *slot = None;
                    ctx.note(
                        Actor::SvcMonitor,
                        What::VmUnscheduled {
                            uuid: uuid.clone(),
                            node,
                        },
                    );
                }
            }
            let missing: Vec<usize> = (0..2).filter(|i| si.vms[*i].is_none()).collect();
            for index in missing {
                if self.launch(&uuid, index, ctx)
                    && let Some(si) = self.instances.get(&uuid)
                {
                    let what = What::ServiceInstance {
                        uuid: uuid.clone(),
                        active: si.vms[0],
                        standby: si.vms[1],
                    };
                    ctx.note(Actor::SvcMonitor, what);
                }
            }
        }
        if self.needs_check() || waiting {
            self.schedule_check(ctx);
        }
    }
}
