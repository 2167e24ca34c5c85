//! The teaching example's page in a real browser (headless Chromium).
//!
//! The test runs the `teach` scenario, writes its page to `target/`, and asks
//! Chromium for the page's DOM (`--dump-dom`) after driving it through the URL
//! fragment, which the page reads on load (`#step=N`, `&select=ID`,
//! `&slider=K`, `&keys=ArrowRight,...`: the keys are dispatched as keyboard
//! events to the page's own handler). Every expected value is derived from the
//! recording itself. Screenshots go to `target/teach-*.png` for a person to
//! look at.
//!
//! Without a `chromium` on the PATH the test says so and passes, unless
//! `TENURE_REQUIRE_BROWSER` is set (as `.ci/run` does), when it fails.

#[path = "../examples/teach/scenario.rs"]
mod scenario;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tenure::{RecordEvent, Recording, StepWork};

/// Each browser run is killed after this long (a page that hangs fails).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

fn read_all(pipe: &mut impl std::io::Read) -> String {
    let mut bytes = Vec::new();
    let _ = pipe.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

struct Browser {
    exe: PathBuf,
    profile: PathBuf,
    page: PathBuf,
}

impl Browser {
    fn find(page: PathBuf) -> Option<Browser> {
        let exe = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|candidate| candidate.is_file())
        })?;
        let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-profile");
        Some(Browser { exe, profile, page })
    }

    /// Runs Chromium headless on the page with `fragment`; returns stdout
    /// and the console lines it logged.
    fn run(&self, fragment: &str, mode: &[&str]) -> (String, Vec<String>) {
        let url = format!("file://{}#{fragment}", self.page.display());
        let mut child = Command::new(&self.exe)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .args(mode)
            .arg(&url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // Read both pipes while waiting: a dumped DOM fills a pipe's buffer.
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let out = std::thread::spawn(move || read_all(&mut stdout));
        let err = std::thread::spawn(move || read_all(&mut stderr));
        let started = Instant::now();
        while child
            .try_wait()
            .expect("chromium can be waited for")
            .is_none()
        {
            if started.elapsed() > BROWSER_TIMEOUT {
                let _ = child.kill();
                panic!("chromium did not finish within {BROWSER_TIMEOUT:?} on {url}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let stdout = out.join().expect("stdout reader");
        let stderr = err.join().expect("stderr reader");
        let console = stderr
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect();
        (stdout, console)
    }

    /// The page's DOM after loading it with `fragment`; fails on any console
    /// message or uncaught error.
    fn dom(&self, fragment: &str) -> Dom {
        let (dom, console) = self.run(fragment, &["--dump-dom"]);
        assert!(
            console.is_empty(),
            "console messages at #{fragment}: {console:?}"
        );
        let dom = Dom(dom);
        assert_eq!(
            dom.body_attr("data-ready"),
            Some("1"),
            "page did not finish loading at #{fragment}"
        );
        assert_eq!(
            dom.body_attr("data-errors"),
            Some("0"),
            "page caught errors at #{fragment}"
        );
        dom
    }

    fn screenshot(&self, fragment: &str, file: &Path) {
        let arg = format!("--screenshot={}", file.display());
        self.run(fragment, &[&arg]);
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "screenshot {} was not written",
            file.display()
        );
    }
}

/// A dumped DOM, searched by attribute.
struct Dom(String);

impl Dom {
    fn body_attr(&self, name: &str) -> Option<&str> {
        let body = self.tag_containing("<body")?;
        attr(body, name)
    }

    /// The opening tag that starts with `start`.
    fn tag_containing(&self, needle: &str) -> Option<&str> {
        let at = self.0.find(needle)?;
        let open = self.0[..=at].rfind('<')?;
        let close = at + self.0[at..].find('>')?;
        Some(&self.0[open..=close])
    }

    /// The text of the element with `id`.
    fn text_of(&self, id: &str) -> String {
        let needle = format!("id=\"{id}\">");
        let at = self
            .0
            .find(&needle)
            .unwrap_or_else(|| panic!("no #{id} in the DOM"))
            + needle.len();
        let end = at + self.0[at..].find('<').expect("element text ends");
        self.0[at..end].to_owned()
    }

    /// The object node with `id`: its `data-*` attributes.
    fn object(&self, id: u64) -> Option<&str> {
        self.tag_containing(&format!("class=\"obj\" data-id=\"{id}\""))
            .or_else(|| self.tag_containing(&format!("class=\"obj selected\" data-id=\"{id}\"")))
    }

    fn step(&self) -> usize {
        self.text_of("step-index").parse().expect("a step number")
    }
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let end = at + tag[at..].find('"')?;
    Some(&tag[at..end])
}

fn object_in(event: &RecordEvent, id: u64) -> Option<&tenure::RecordedObject> {
    event.objects.as_ref()?.objects.iter().find(|o| o.id == id)
}

/// The first minor GC after which an object seen in Eden is in old space.
fn first_promotion(recording: &Recording) -> (usize, u64, usize) {
    let mut minors = 0;
    for (i, event) in recording.events.iter().enumerate() {
        if event.work != StepWork::Minor {
            continue;
        }
        minors += 1;
        let promoted = event.objects.as_ref().and_then(|snapshot| {
            snapshot.objects.iter().find(|o| {
                o.space == "old"
                    && recording.events[..i]
                        .iter()
                        .any(|e| object_in(e, o.id).is_some_and(|before| before.space == "eden"))
            })
        });
        if let Some(object) = promoted {
            return (i, object.id, minors);
        }
    }
    panic!("the scenario promotes an object");
}

/// An object gray at one step and black at a later one of the same marking.
fn gray_then_black(recording: &Recording) -> (u64, usize, usize) {
    let events = &recording.events;
    for (g, event) in events.iter().enumerate() {
        let Some(snapshot) = &event.objects else {
            continue;
        };
        for object in snapshot.objects.iter().filter(|o| o.colour == "gray") {
            let black = events[g + 1..]
                .iter()
                .take_while(|e| {
                    e.phase == tenure::Phase::Marking || e.work == StepWork::MarkTermination
                })
                .position(|e| object_in(e, object.id).is_some_and(|o| o.colour == "black"));
            if let Some(offset) = black {
                return (object.id, g, g + 1 + offset);
            }
        }
    }
    panic!("the scenario's marking shows an object gray, then black");
}

#[test]
#[cfg_attr(miri, ignore = "spawns a browser")]
fn the_teaching_page_in_a_browser() {
    let (recording, chapters) = scenario::run();
    assert!(!chapters.is_empty());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).expect("target/ exists");
    let page = target.join("teach-test.html");
    recording.write_html(&page).expect("the page is written");
    let Some(browser) = Browser::find(page) else {
        assert!(
            std::env::var_os("TENURE_REQUIRE_BROWSER").is_none(),
            "TENURE_REQUIRE_BROWSER is set but no chromium is on the PATH"
        );
        eprintln!("skipped: no chromium on the PATH (apt-get install chromium)");
        return;
    };
    let last = recording.events.len() - 1;

    // It loads, with no console messages, at the first step.
    let dom = browser.dom("");
    assert_eq!(dom.step(), 0);
    assert_eq!(dom.text_of("step-count"), last.to_string());

    // After the minor GC that first promotes, the promoted object is drawn in
    // old space; the spaces panel shows that step's numbers.
    let (at, promoted, minors) = first_promotion(&recording);
    let dom = browser.dom(&format!("step={at}"));
    assert_eq!(dom.step(), at);
    assert_eq!(
        dom.text_of("minor-count"),
        recording.events[at].minor_collections.to_string()
    );
    let node = dom
        .object(promoted)
        .unwrap_or_else(|| panic!("object #{promoted} drawn at step {at}"));
    assert_eq!(
        attr(node, "data-space"),
        Some("old"),
        "after minor GC {minors}, #{promoted} is old"
    );
    let eden = dom
        .tag_containing("data-space=\"eden\" data-used")
        .expect("the Eden bar");
    assert_eq!(
        attr(eden, "data-used"),
        Some(recording.events[at].eden.used.to_string().as_str())
    );

    // During marking an object is gray, then black.
    let (id, gray, black) = gray_then_black(&recording);
    let dom = browser.dom(&format!("step={gray}"));
    assert_eq!(dom.text_of("phase"), "marking");
    assert_eq!(
        dom.object(id).and_then(|n| attr(n, "data-colour")),
        Some("gray")
    );
    let dom = browser.dom(&format!("step={black}&select={id}"));
    assert_eq!(
        dom.object(id).and_then(|n| attr(n, "data-colour")),
        Some("black")
    );
    // Its life, as the page tells it, includes being marked gray and black.
    let life = dom.0[dom.0.find("id=\"life\"").expect("the life panel")..].to_owned();
    assert!(
        life.contains("marked gray") && life.contains("marked black"),
        "life of #{id}: {life}"
    );

    // The slider sets the step.
    let middle = last / 2;
    assert_eq!(
        browser.dom(&format!("step=0&slider={middle}")).step(),
        middle
    );
    // The arrow keys step, Home and End jump, `m` goes to the next minor GC.
    let dom = browser.dom(&format!(
        "step={middle}&keys=ArrowRight,ArrowRight,ArrowLeft"
    ));
    assert_eq!(dom.step(), middle + 1);
    assert_eq!(browser.dom("step=3&keys=End").step(), last);
    assert_eq!(browser.dom(&format!("step={last}&keys=Home")).step(), 0);
    let next_minor = recording.events[1..]
        .iter()
        .position(|e| e.work == StepWork::Minor)
        .expect("a minor GC")
        + 1;
    assert_eq!(browser.dom("step=0&keys=m").step(), next_minor);

    // Screenshots for a person to look at.
    browser.screenshot(
        &format!("step={gray}&select={id}"),
        &target.join("teach-marking.png"),
    );
    let pacing = recording
        .events
        .iter()
        .rposition(|e| e.work == StepWork::MarkStep)
        .expect("a paced mark step");
    browser.screenshot(&format!("step={pacing}"), &target.join("teach-pacing.png"));
}
