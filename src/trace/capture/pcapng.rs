//! A pcapng file written as the run goes (pcap-file): one Interface Description Block per
//! capture point, declared at its first packet, with nanosecond timestamps (`if_tsresol` 9)
//! counted from the start of the run; one Enhanced Packet Block per frame. Little-endian and free
//! of host details, so the same run gives the same bytes on every machine.

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{DataLink, Endianness, PcapError};

use super::PacketSink;
use crate::sim::Time;
use crate::wire::Packet;
use crate::wire::bytes::{Encoder, Ethernet};

/// Writes captured packets to `W` (a `BufWriter<File>` for `run --pcap`).
pub struct PcapngSink<W: Write> {
    writer: PcapNgWriter<W>,
    encoder: Encoder,
    /// The first write error; later writes are skipped.
    error: Option<io::Error>,
}

fn io_error(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl<W: Write> PcapngSink<W> {
    /// Writes the section header.
    pub fn new(writer: W) -> io::Result<PcapngSink<W>> {
        let section = SectionHeaderBlock {
            endianness: Endianness::Little,
            options: vec![SectionHeaderOption::UserApplication(Cow::Borrowed(
                "contrail-sim",
            ))],
            ..Default::default()
        };
        let writer = PcapNgWriter::with_section_header(writer, section).map_err(io_error)?;
        Ok(PcapngSink {
            writer,
            encoder: Encoder::default(),
            error: None,
        })
    }

    /// The underlying writer (flushed or not: see [`PacketSink::finish`]).
    pub fn into_inner(self) -> W {
        self.writer.into_inner()
    }

    fn keep(&mut self, result: Result<usize, PcapError>) {
        if let (Err(e), None) = (result, &self.error) {
            self.error = Some(io_error(e));
        }
    }
}

impl<W: Write + Send> PacketSink for PcapngSink<W> {
    fn interface(&mut self, _id: u32, name: &str, description: &str) {
        let block = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Borrowed(name)),
                InterfaceDescriptionOption::IfDescription(Cow::Borrowed(description)),
                InterfaceDescriptionOption::IfTsResol(9),
            ],
        };
        let result = self.writer.write_pcapng_block(block);
        self.keep(result);
    }

    fn packet(&mut self, id: u32, at: Time, l2: Ethernet, packet: &Packet) {
        if self.error.is_some() {
            return;
        }
        let mut first_error = None;
        let writer = &mut self.writer;
        self.encoder.frames(l2, packet, |frame| {
            let block = EnhancedPacketBlock {
                interface_id: id,
                timestamp: Duration::from_nanos(at.0),
                original_len: u32::try_from(frame.len()).unwrap_or(u32::MAX),
                data: Cow::Borrowed(frame),
                options: Vec::new(),
            };
            if let (Err(e), None) = (writer.write_pcapng_block(block), &first_error) {
                first_error = Some(e);
            }
        });
        if let Some(e) = first_error {
            self.keep(Err(e));
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.writer.get_mut().flush()
    }
}
