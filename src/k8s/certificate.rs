//! What the simulator reads in a TLS Secret: base64 (`data` values) and the common name of a
//! PEM certificate (`tls.crt`), which Contrail's vRouter agent uses to name the PEM file it
//! writes for haproxy (`<cn>.pem`, from pyOpenSSL's `subject.CN`).
//!
//! Only as much DER as that needs: the certificate's `tbsCertificate`, skipping to its subject,
//! and the first `commonName` (OID 2.5.4.3) in it.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

/// Standard base64 (RFC 4648, `+/`, `=` padding); blanks and newlines are skipped.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    (padding <= 2).then_some(out)
}

/// The common name of the first certificate in a PEM text, if it holds one.
pub fn common_name(pem: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(pem).ok()?;
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = text.find(begin)? + begin.len();
    let end = start + text.get(start..)?.find("-----END CERTIFICATE-----")?;
    let der = base64_decode(text.get(start..end)?)?;
    subject_common_name(&der)
}

/// One DER element: its tag, its contents, and what follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, rest) = (rest.get(..n)?, rest.get(n..)?);
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// 2.5.4.3, commonName.
const CN_OID: &[u8] = &[0x55, 0x04, 0x03];

fn subject_common_name(der: &[u8]) -> Option<String> {
    let (SEQUENCE, cert, _) = element(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(cert)? else {
        return None;
    };
    // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject.
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..4 {
        rest = element(rest)?.2;
    }
    let (SEQUENCE, subject, _) = element(rest)? else {
        return None;
    };
    let mut names = subject;
    while !names.is_empty() {
        let (tag, set, next) = element(names)?;
        names = next;
        if tag != SET {
            continue;
        }
        let (SEQUENCE, attribute, _) = element(set)? else {
            continue;
        };
        let (OID, oid, value) = element(attribute)? else {
            continue;
        };
        if oid == CN_OID {
            let (_, text, _) = element(value)?;
            return String::from_utf8(text.to_vec()).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /O=lab/CN=www.juniper.net`
    pub const JUNIPER_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBpTCCAUugAwIBAgIUTsdth4x9HJt++w6VLP3v/JefSiMwCgYIKoZIzj0EAwIw
KDEMMAoGA1UECgwDbGFiMRgwFgYDVQQDDA93d3cuanVuaXBlci5uZXQwHhcNMjYx
MjAyMDY1MDA1WhcNMzYxMTI5MDY1MDA1WjAoMQwwCgYDVQQKDANsYWIxGDAWBgNV
BAMMD3d3dy5qdW5pcGVyLm5ldDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLSI
+TYJoW/XN+m8eOn47CKW9AeNI2Dw4Z9uzn7Xz7X9b5EvC7vXWTRiQ1fu5B3jH9ZM
fi4FRAJoou52cK8yr8ejUzBRMB0GA1UdDgQWBBRij+kvsYcgh4pvzKE8QDivTmBk
BzAfBgNVHSMEGDAWgBRij+kvsYcgh4pvzKE8QDivTmBkBzAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIFlJixENbNtvf+bpclkA5q+/uf6RKQJ+ZQIr
iHzFdxeaAiEAmVs6Y2O1WgDSKrbYCtY4aAo0AmIurxDo0nyacSim/PI=
-----END CERTIFICATE-----
";

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs\nbG8h").unwrap(), b"hello!");
        assert_eq!(base64_decode(""), Some(vec![]));
        assert_eq!(base64_decode("a*=="), None);
        assert_eq!(base64_decode("aG=Vs"), None);
    }

    #[test]
    fn reads_the_subject_common_name() {
        assert_eq!(
            common_name(JUNIPER_PEM.as_bytes()).as_deref(),
            Some("www.juniper.net")
        );
        assert_eq!(common_name(b"not a certificate"), None);
        let broken = JUNIPER_PEM.replace("MIIB", "MIIC");
        assert_ne!(
            common_name(broken.as_bytes()).as_deref(),
            Some("www.juniper.net")
        );
    }
}
