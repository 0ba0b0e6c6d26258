//! The labelled corpus (`tests/corpus/`): for every content type, every piece a marketer would
//! call good scores above every piece they would call poor, and each poor piece turns red on
//! the assessments it is made to fail (issue 16).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use splants::analysis::{Analysis, analyze};
use splants::content::Light;
use splants::{ContentRequest, ContentType};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

struct Piece {
    name: String,
    analysis: Analysis,
}

fn pieces(dir: &Path, prefix: &str, brief: &ContentRequest) -> Vec<Piece> {
    let mut out: Vec<Piece> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            Piece { name: p.file_name().unwrap().to_str().unwrap().to_owned(), analysis: analyze(&text, brief) }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn reds(a: &Analysis) -> Vec<String> {
    a.metadata.assessments.iter().filter(|x| x.light != Light::Green).map(|x| format!("{} {}", x.id, x.light)).collect()
}

#[test]
fn good_pieces_score_above_poor_ones_and_targeted_checks_turn_red() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("manifest.json")).unwrap()).unwrap();
    let types = manifest["types"].as_object().unwrap();
    assert_eq!(types.len(), ContentType::ALL.len(), "one entry per content type");
    let mut failures = Vec::new();
    for (ty, entry) in types {
        let brief: ContentRequest = serde_json::from_value(entry["brief"].clone()).unwrap();
        assert_eq!(brief.content_type.as_str(), ty);
        brief.validate().unwrap();
        let dir = corpus().join(ty);
        let good = pieces(&dir, "good_", &brief);
        let poor = pieces(&dir, "poor_", &brief);
        let labels = entry["poor"].as_object().unwrap();
        assert!(good.len() >= 2 && poor.len() >= 2, "{ty}: at least two good and two poor pieces");
        assert_eq!(poor.len(), labels.len(), "{ty}: every poor piece is labelled in manifest.json");
        for p in &poor {
            let label = labels.get(&p.name).unwrap_or_else(|| panic!("{ty}/{}: not in manifest.json", p.name));
            for id in label["fails"].as_array().unwrap() {
                let id = id.as_str().unwrap();
                let light = p.analysis.metadata.assessments.iter().find(|x| x.id == id).map(|x| x.light);
                if light != Some(Light::Red) {
                    failures.push(format!("{ty}/{}: {id} is {light:?}, not red", p.name));
                }
            }
            let seo = label["seo"].as_bool().unwrap();
            for g in &good {
                if g.analysis.quality_score <= p.analysis.quality_score {
                    failures.push(format!(
                        "{ty}: quality of good {} ({:.3}; {:?}) is not above poor {} ({:.3}; {:?})",
                        g.name,
                        g.analysis.quality_score,
                        reds(&g.analysis),
                        p.name,
                        p.analysis.quality_score,
                        reds(&p.analysis)
                    ));
                }
                if seo && g.analysis.seo_score <= p.analysis.seo_score {
                    failures.push(format!(
                        "{ty}: SEO of good {} ({:.3}; {:?}) is not above poor {} ({:.3}; {:?})",
                        g.name,
                        g.analysis.seo_score,
                        reds(&g.analysis),
                        p.name,
                        p.analysis.seo_score,
                        reds(&p.analysis)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
