//! The control-plane timeline: one lane per component, always in the same order, one dot per
//! action coloured by what it is about, with the steps and faults marked across.

use plotters::prelude::*;

use super::axis::TimeAxis;
use super::draw::{
    Align, Area, BAND, INK, MUTED, Marker, bold, canvas, err, markers, rect, step_legend,
    step_legend_height, text, time_axis,
};
use crate::report::timeline::actor_name;
use crate::world::World;
use crate::world::timeline::{Actor, Note, What};

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 110.0;
const LANE: f64 = 32.0;

/// Every compute gets a lane up to this many computes; beyond, only those that acted do.
const ALL_AGENTS_UP_TO: usize = 16;

/// The lanes, top to bottom: Kubernetes, then Contrail's controllers, then each compute's
/// kubelet and agent in topology order, then the gateway, and the fault layer when a fault
/// acted. In a topology of more than 16 computes, the kubelets and agents that did nothing are
/// left out.
pub fn lanes(world: &World, notes: &[Note]) -> Vec<Actor> {
    let mut lanes = vec![
        Actor::ApiServer,
        Actor::Scheduler,
        Actor::ControllerManager,
        Actor::KubeManager,
        Actor::SvcMonitor,
        Actor::ControlNode,
    ];
    let computes = world.env.topology.computes();
    let all = computes.len() <= ALL_AGENTS_UP_TO;
    for &c in computes {
        for actor in [Actor::Kubelet(c), Actor::Agent(c)] {
            if all || notes.iter().any(|n| n.actor == actor) {
                lanes.push(actor);
            }
        }
    }
    lanes.push(Actor::Gateway);
    if notes.iter().any(|n| n.actor == Actor::Network) {
        lanes.push(Actor::Network);
    }
    lanes
}

/// What a note is about, for its colour, and whether it takes something away (a hollow dot).
pub(crate) fn kind(what: &What) -> (usize, bool) {
    match what {
        What::Stored { .. }
        | What::Unchanged { .. }
        | What::ClusterIp { .. }
        | What::PodCreated { .. }
        | What::Scheduled { .. }
        | What::Endpoints { .. }
        | What::ContainerStarted { .. }
        | What::IngressStatus { .. }
        | What::NodeReady { .. } => (0, false),
        What::ContainerExited { .. }
        | What::NodeSilent { .. }
        | What::Evicting { .. }
        | What::EvictionsHeld { .. } => (0, true),
        What::Interface { .. }
        | What::InterfacePlumbed { .. }
        | What::NetworkPolicy { .. }
        | What::Loadbalancer { .. }
        | What::ServiceInstance { .. }
        | What::EcmpFloatingIps { .. }
        | What::VrouterState { .. }
        | What::HaproxyStarted { .. } => (1, false),
        What::LoadbalancerDeleted { .. }
        | What::HaproxyStopped { .. }
        | What::HaproxyExited { .. }
        | What::HaproxyFailed { .. }
        | What::VmUnscheduled { .. }
        | What::NoVrouter { .. } => (1, true),
        What::Published { .. } | What::RoutesKept => (2, false),
        What::Retracted { .. } => (2, true),
        What::BestPath { next_hops, .. } | What::GatewayRoute { next_hops, .. } => {
            (2, next_hops.is_empty())
        }
        What::SessionUp { .. }
        | What::SessionResumed { .. }
        | What::ProcessStarted { .. }
        | What::Path { up: true, .. } => (3, false),
        What::SessionDown { .. }
        | What::HoldRunning { .. }
        | What::ProcessStopped
        | What::Path { up: false, .. } => (3, true),
        What::Waiting { .. } | What::Failed { .. } | What::NoFloatingIp { .. } => (4, false),
    }
}

pub(crate) const KINDS: [(&str, RGBColor); 5] = [
    ("Kubernetes objects, nodes", RGBColor(25, 113, 194)),
    ("Contrail config, haproxy", RGBColor(112, 72, 232)),
    ("routes (XMPP, BGP)", RGBColor(232, 89, 12)),
    ("sessions, processes", RGBColor(47, 158, 68)),
    ("waiting, failed", RGBColor(201, 42, 42)),
];

/// The timeline of `notes` with `marks` across it and the numbered `steps` below.
pub fn render(
    world: &World,
    title: &str,
    notes: &[Note],
    marks: &[(u64, Marker)],
    steps: &[(usize, String)],
) -> Result<String, String> {
    let lanes = lanes(world, notes);
    let mut times: Vec<u64> = notes.iter().map(|n| n.at.0).collect();
    times.extend(marks.iter().map(|(t, _)| *t));
    let axis = TimeAxis::new(&times, LEFT, WIDTH - RIGHT);
    let lanes_bottom = TOP + LANE * lanes.len() as f64;
    let legend_top = lanes_bottom + 62.0;
    let height = legend_top + step_legend_height(steps.len());
    canvas(WIDTH, height, |area| {
        bold(area, title, (20.0, 22.0), 17.0)?;
        draw_key(area)?;
        for (i, actor) in lanes.iter().enumerate() {
            let y0 = TOP + LANE * i as f64;
            if i % 2 == 0 {
                rect(
                    area,
                    (axis.left(), y0),
                    (axis.right(), y0 + LANE),
                    BAND.filled(),
                )?;
            }
            let name = actor_name(world, *actor);
            text(
                area,
                &name,
                (LEFT - 10.0, y0 + LANE / 2.0),
                12.0,
                INK,
                Align::Right,
            )?;
        }
        markers(area, &axis, marks, TOP, lanes_bottom)?;
        for note in notes {
            let Some(lane) = lanes.iter().position(|a| *a == note.actor) else {
                continue;
            };
            let (k, away) = kind(&note.what);
            let colour = KINDS[k].1;
            let centre = (
                axis.x(note.at.0) as i32,
                (TOP + LANE * lane as f64 + LANE / 2.0) as i32,
            );
            let style = if away {
                colour.stroke_width(2)
            } else {
                colour.mix(0.85).filled()
            };
            area.draw(&Circle::new(centre, 4, style)).map_err(err)?;
        }
        time_axis(area, &axis, lanes_bottom + 8.0)?;
        text(
            area,
            "simulated time since the start of the run",
            ((axis.left() + axis.right()) / 2.0, lanes_bottom + 46.0),
            11.0,
            MUTED,
            Align::Centre,
        )?;
        step_legend(area, steps, (LEFT, legend_top), WIDTH - LEFT - RIGHT)?;
        Ok(())
    })
}

/// The colour key and how to read the chart, under the title.
fn draw_key(area: &Area) -> Result<(), String> {
    let y = 48.0;
    let mut x = 20.0;
    for (label, colour) in KINDS {
        area.draw(&Circle::new((x as i32, y as i32), 4, colour.filled()))
            .map_err(err)?;
        text(area, label, (x + 9.0, y), 11.0, INK, Align::Left)?;
        x += 26.0 + super::draw::text_width(label, 11.0);
    }
    area.draw(&Circle::new((x as i32, y as i32), 4, INK.stroke_width(2)))
        .map_err(err)?;
    text(
        area,
        "hollow: removed, withdrawn",
        (x + 9.0, y),
        11.0,
        INK,
        Align::Left,
    )?;
    text(
        area,
        "grey lines: steps (numbered below) · dashed: a fault and its recovery · //: quiet time cut out",
        (20.0, y + 20.0),
        11.0,
        MUTED,
        Align::Left,
    )
}
