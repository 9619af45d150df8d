//! The registration's set-up lists: participant categories and registration questions.

use super::*;
use crate::domain::{CategoryId, QuestionId};

// ---- participant categories ----

pub struct Categories;

#[derive(Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    quota: String,
    #[serde(default)]
    needs_approval: Option<String>,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    pub fn approval(&self) -> bool {
        forms::checkbox(&self.needs_approval)
    }
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    ctx: PageCtx,
    chrome: Chrome,
    categories: Vec<CategoryRow>,
    form: CategoryForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Categories {
    const SEGMENT: &'static str = "categories";
    type Key = key::Category;
    type Form = CategoryForm;
    type Input = CategoryInput;
    type Row = CategoryRow;
    type Extra = ();

    fn parse(f: &CategoryForm, ctx: &PageCtx) -> Result<CategoryInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let c = CategoryInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            quota: forms::optional_count(&mut e, "quota", &f.quota, a.err_number),
            needs_approval: f.approval(),
            priority: forms::number_or_zero(&mut e, "priority", &f.priority, a.err_number),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(c)
    }

    fn form_of(c: &CategoryRow) -> CategoryForm {
        CategoryForm {
            name: c.name.clone(),
            quota: c.quota.map(|q| q.to_string()).unwrap_or_default(),
            needs_approval: c.needs_approval.then(|| "on".to_string()),
            priority: c.priority.to_string(),
            position: c.position.to_string(),
        }
    }

    fn blank(rows: &[CategoryRow]) -> CategoryForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        CategoryForm {
            position: next.to_string(),
            priority: "0".into(),
            ..Default::default()
        }
    }

    fn extra(_: &mut DbConnection, _: CongressId) -> Result<(), ServiceError> {
        Ok(())
    }
    fn list(
        conn: &mut DbConnection,
        congress: CongressId,
    ) -> Result<Vec<CategoryRow>, ServiceError> {
        Ok(svc::categories_of(conn, congress)?)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: CategoryId,
    ) -> Result<CategoryRow, ServiceError> {
        svc::category(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &CategoryInput,
        actor: Actor,
    ) -> Result<CategoryId, ServiceError> {
        svc::add_category(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: CongressId,
        id: CategoryId,
        i: &CategoryInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_category(conn, mail, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: CategoryId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_category(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        CategoriesPage {
            ctx: v.ctx,
            chrome: v.chrome,
            categories: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}

// ---- registration questions ----

pub struct Questions;

#[derive(Deserialize, Default, Clone)]
pub struct QuestionForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    options: String,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    position: String,
}

impl QuestionForm {
    pub fn is_required(&self) -> bool {
        forms::checkbox(&self.required)
    }
}

#[derive(Template)]
#[template(path = "admin/questions.html")]
struct QuestionsPage {
    ctx: PageCtx,
    chrome: Chrome,
    questions: Vec<QuestionRow>,
    form: QuestionForm,
    errors: Errors,
    editing: Option<i64>,
    kinds: [&'static str; 5],
}

/// The label of a question kind.
pub fn question_kind_label(lang: crate::i18n::Lang, kind: &str) -> &'static str {
    use crate::i18n::Lang::*;
    match (lang, kind) {
        (De, "short_text") => "Kurzer Text",
        (De, "long_text") => "Langer Text",
        (De, "single_choice") => "Einfachauswahl",
        (De, "multiple_choice") => "Mehrfachauswahl",
        (De, "checkbox") => "Ankreuzfeld",
        (En, "short_text") => "Short text",
        (En, "long_text") => "Long text",
        (En, "single_choice") => "Single choice",
        (En, "multiple_choice") => "Multiple choice",
        (En, "checkbox") => "Checkbox",
        _ => "?",
    }
}

impl SetupList for Questions {
    const SEGMENT: &'static str = "questions";
    type Key = key::Question;
    type Form = QuestionForm;
    type Input = QuestionInput;
    type Row = QuestionRow;
    type Extra = ();

    fn parse(f: &QuestionForm, ctx: &PageCtx) -> Result<QuestionInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let label = forms::required(&mut e, "label", &f.label, a.err_required);
        if !QUESTION_KINDS.contains(&f.kind.as_str()) {
            e.add("kind", a.err_required);
        }
        let choice = matches!(f.kind.as_str(), "single_choice" | "multiple_choice");
        let mut options: Vec<String> = vec![];
        if choice {
            for line in f.options.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if !options.iter().any(|o| o == line) {
                    options.push(line.to_string());
                }
            }
            if options.len() < 2 {
                e.add("options", a.err_options);
            }
        }
        let q = QuestionInput {
            label,
            kind: f.kind.clone(),
            options,
            required: f.is_required(),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(q)
    }

    fn form_of(q: &QuestionRow) -> QuestionForm {
        QuestionForm {
            label: q.label.clone(),
            kind: q.kind.clone(),
            options: q.choices().join("\n"),
            required: q.required.then(|| "on".to_string()),
            position: q.position.to_string(),
        }
    }

    fn blank(rows: &[QuestionRow]) -> QuestionForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        QuestionForm {
            kind: "short_text".into(),
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn extra(_: &mut DbConnection, _: CongressId) -> Result<(), ServiceError> {
        Ok(())
    }
    fn list(
        conn: &mut DbConnection,
        congress: CongressId,
    ) -> Result<Vec<QuestionRow>, ServiceError> {
        Ok(svc::questions_of(conn, congress)?)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: QuestionId,
    ) -> Result<QuestionRow, ServiceError> {
        svc::question(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &QuestionInput,
        actor: Actor,
    ) -> Result<QuestionId, ServiceError> {
        svc::add_question(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: CongressId,
        id: QuestionId,
        i: &QuestionInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_question(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: QuestionId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_question(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        QuestionsPage {
            ctx: v.ctx,
            chrome: v.chrome,
            questions: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
            kinds: QUESTION_KINDS,
        }
        .render()
    }
}
