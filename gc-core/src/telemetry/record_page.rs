//! The page made from a recording (`record` feature): one self-contained HTML
//! file (inline CSS, JavaScript and SVG; no network) that opens from
//! `file://` and lets a person step through the recorded collection: a
//! timeline of the heap against the pacer's goal and trigger, the spaces
//! filled to occupancy, the pacer's formula with each step's numbers and, on
//! small heaps, the object graph in its tri-colour state.
//!
//! The page's code is `gc-core/assets/record_page.html`; the recording is
//! embedded in it as JSON lines, in a `<script type="application/x-ndjson">`
//! element (the JSON writer escapes `<`, so no line can close it).

use crate::telemetry::record::Recording;

/// The page's template; `@@TITLE@@` and `@@RECORDING@@` are filled in.
const TEMPLATE: &str = include_str!("../../assets/record_page.html");

impl Recording {
    /// The recording as a self-contained HTML page.
    pub fn to_html(&self) -> String {
        let title = escape_html(&self.title);
        let (before, after) = TEMPLATE
            .split_once("@@RECORDING@@")
            .expect("the page template has a recording slot");
        let mut page = String::with_capacity(TEMPLATE.len() + self.events.len() * 700);
        page.push_str(&before.replace("@@TITLE@@", &title));
        page.push_str(&self.to_jsonl());
        page.push_str(&after.replace("@@TITLE@@", &title));
        page
    }

    /// Writes the page to `path`.
    pub fn write_html(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_html())
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use crate::telemetry::record::{RecordOptions, Recording};

    #[test]
    fn the_page_embeds_the_recording_and_escapes_the_title() {
        let mut recording = Recording::new(RecordOptions::default());
        recording.title = String::from("a <b> & c");
        let page = recording.to_html();
        assert!(page.contains("a &lt;b&gt; &amp; c"));
        assert!(page.contains(&recording.header_json()));
        assert!(!page.contains("@@RECORDING@@"));
        assert!(!page.contains("@@TITLE@@"));
    }
}
