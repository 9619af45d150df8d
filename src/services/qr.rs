//! Check-in QR codes: SVG for the private page (a data URL, which the CSP allows), PNG for the
//! email attachment (mail clients show PNG inline; many block SVG).

use base64::Engine;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module of the PNG and the quiet zone around it, in modules.
const SCALE: usize = 8;
const QUIET: usize = 4;

fn code(text: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()
}

/// An SVG QR code for `text`, as a data URL; empty when the text does not fit a QR code.
pub fn svg_data_url(text: &str) -> String {
    let Some(code) = code(text) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

/// A greyscale PNG QR code for `text`; `None` when the text does not fit a QR code.
pub fn png(text: &str) -> Option<Vec<u8>> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().ok()?;
        w.write_image_data(&pixels).ok()?;
        w.finish().ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_scaled_qr_code_with_quiet_zone() {
        let url = "http://127.0.0.1:8080/admin/smart-city-2027/checkin/code/abcdef0123456789";
        let bytes = png(url).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let dec = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        let modules = code(url).unwrap().width();
        assert_eq!(info.width as usize, (modules + 8) * SCALE);
        // The corner is quiet (white); the finder pattern's corner just inside is dark.
        assert_eq!(buf[0], 255);
        let inside = QUIET * SCALE;
        assert_eq!(buf[inside * info.width as usize + inside], 0);
        assert!(svg_data_url(url).starts_with("data:image/svg+xml;base64,"));
    }
}
