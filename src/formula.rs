//! Model formulas in R's survival syntax, parsed into a typed description of the model.
//!
//! ```
//! use survkit::formula::{Formula, Term};
//! let f: Formula = "Surv(time, status == 2) ~ age + factor(sex) + strata(inst)".parse()?;
//! assert_eq!(f.response.time, "time");
//! assert_eq!(f.response.event_value.as_deref(), Some("2"));
//! assert_eq!(f.terms.len(), 3);
//! assert!(matches!(&f.terms[2], Term::Strata(column) if column == "inst"));
//! # Ok::<(), survkit::formula::FormulaError>(())
//! ```
//!
//! # Grammar
//! The subset of R's formula language (Chambers & Hastie 1992, *Statistical Models in S*,
//! ch. 2; R's `?formula` and survival's `?Surv`, `?strata`, `?cluster`) that survival models use:
//!
//! ```text
//! formula   := response "~" rhs
//! response  := "Surv" "(" name "," status ")" | "Surv" "(" name "," name "," status ")"
//! status    := name | name "==" value                 value := number | string
//! rhs       := term ("+" term)*
//! term      := "1" | factor ((":" | "*") factor)*
//! factor    := variable | "strata" "(" name ")" | "cluster" "(" name ")"
//! variable  := name | "factor" "(" name ")"
//!            | "relevel" "(" (name | "factor" "(" name ")") "," "ref" "=" value ")"
//! name      := R name (letters, digits, '.', '_'; not starting with a digit) | `backquoted`
//! ```
//!
//! `x*z` expands to `x + z + x:z` when parsed (as R's `terms()` does), so a parsed formula
//! lists only main effects, interactions (`x:z`), `strata()` and `cluster()` terms; `~ 1`
//! leaves the list empty. Every error carries the byte position in the formula and displays
//! the formula with a caret under the problem.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A parsed survival formula: the response and the right-hand-side terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// The left-hand side, `Surv(...)`.
    pub response: Response,
    /// The terms in order, with `x*z` expanded; empty for `~ 1`.
    pub terms: Vec<Term>,
}

/// `Surv(time, status)` or `Surv(entry, exit, status)`, optionally `status == value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The entry-time column of counting-process data (`Surv(entry, exit, status)`).
    pub entry: Option<String>,
    /// The follow-up (exit) time column.
    pub time: String,
    /// The event indicator column.
    pub status: String,
    /// `status == value`: rows equal to this value are events, all others censored.
    pub event_value: Option<String>,
    /// Written `factor(status)`, as R's multi-state `survfit` and `finegray` take competing
    /// risks: the status holds a censoring value and one or more causes.
    pub status_factor: bool,
}

/// A covariate read from one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The column name.
    pub column: String,
    /// Written as `factor(x)` (or inside `relevel()`): categorical whatever the column holds.
    pub factor: bool,
    /// `relevel(x, ref = "level")`: the reference level, put first.
    pub reference: Option<String>,
}

/// One right-hand-side term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// A main effect.
    Variable(Variable),
    /// `x:z` (two or more variables).
    Interaction(Vec<Variable>),
    /// `strata(x)`: a separate baseline hazard per level.
    Strata(String),
    /// `cluster(x)`: correlated rows, for the robust variance.
    Cluster(String),
}

/// A formula that could not be parsed: what was expected, and where.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{message} at position {}:\n  {formula}\n  {}^", self.column() + 1, " ".repeat(self.column()))]
pub struct FormulaError {
    /// The formula as given.
    pub formula: String,
    /// Byte offset of the problem in `formula`.
    pub position: usize,
    /// What went wrong, e.g. "expected ')'".
    pub message: String,
}

impl FormulaError {
    /// The character (not byte) column of the problem, for the caret.
    fn column(&self) -> usize {
        let end = self.position.min(self.formula.len());
        self.formula.char_indices().take_while(|(i, _)| *i < end).count()
    }
}

impl Formula {
    /// Parses a formula written in R's syntax.
    pub fn parse(text: &str) -> Result<Formula, FormulaError> {
        let tokens = lex(text)?;
        let mut parser = Parser { text, tokens, next: 0 };
        let formula = parser.formula()?;
        Ok(formula)
    }

    /// Every column the formula names, in order of first appearance.
    pub fn columns(&self) -> Vec<&str> {
        let r = &self.response;
        let mut columns: Vec<&str> = Vec::new();
        let mut names: Vec<&str> = r.entry.iter().map(String::as_str).collect();
        names.push(&r.time);
        names.push(&r.status);
        for term in &self.terms {
            match term {
                Term::Variable(v) => names.push(&v.column),
                Term::Interaction(vs) => names.extend(vs.iter().map(|v| v.column.as_str())),
                Term::Strata(c) | Term::Cluster(c) => names.push(c),
            }
        }
        for name in names {
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
        columns
    }
}

impl FromStr for Formula {
    type Err = FormulaError;
    fn from_str(s: &str) -> Result<Formula, FormulaError> {
        Formula::parse(s)
    }
}

/// A column name as R would write it: bare when it is a syntactic name, else backquoted.
fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let mut chars = name.chars();
    let syntactic = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '.' || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                && !(name.starts_with('.') && name[1..].starts_with(|c: char| c.is_ascii_digit()))
                && !RESERVED.contains(&name)
        }
        _ => false,
    };
    if syntactic {
        f.write_str(name)
    } else {
        write!(f, "`{name}`")
    }
}

/// A value: bare when it is a number, else a double-quoted string.
fn write_value(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    if value.parse::<f64>().is_ok() && is_number_literal(value) {
        f.write_str(value)
    } else {
        write!(f, "\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn is_number_literal(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.reference, self.factor) {
            (Some(reference), _) => {
                f.write_str("relevel(factor(")?;
                write_name(f, &self.column)?;
                f.write_str("), ref = ")?;
                write_value(f, reference)?;
                f.write_str(")")
            }
            (None, true) => {
                f.write_str("factor(")?;
                write_name(f, &self.column)?;
                f.write_str(")")
            }
            (None, false) => write_name(f, &self.column),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Variable(v) => v.fmt(f),
            Term::Interaction(vs) => {
                for (k, v) in vs.iter().enumerate() {
                    if k > 0 {
                        f.write_str(":")?;
                    }
                    v.fmt(f)?;
                }
                Ok(())
            }
            Term::Strata(c) => {
                f.write_str("strata(")?;
                write_name(f, c)?;
                f.write_str(")")
            }
            Term::Cluster(c) => {
                f.write_str("cluster(")?;
                write_name(f, c)?;
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.response;
        f.write_str("Surv(")?;
        if let Some(entry) = &r.entry {
            write_name(f, entry)?;
            f.write_str(", ")?;
        }
        write_name(f, &r.time)?;
        f.write_str(", ")?;
        if r.status_factor {
            f.write_str("factor(")?;
            write_name(f, &r.status)?;
            f.write_str(")")?;
        } else {
            write_name(f, &r.status)?;
        }
        if let Some(value) = &r.event_value {
            f.write_str(" == ")?;
            write_value(f, value)?;
        }
        f.write_str(") ~ ")?;
        if self.terms.is_empty() {
            return f.write_str("1");
        }
        for (k, term) in self.terms.iter().enumerate() {
            if k > 0 {
                f.write_str(" + ")?;
            }
            term.fmt(f)?;
        }
        Ok(())
    }
}

/// Words that are not column names.
const RESERVED: [&str; 7] = ["TRUE", "FALSE", "NA", "NULL", "Inf", "NaN", "function"];

/// The longest formula accepted (a formula is typed by a person, not generated).
const MAX_FORMULA_BYTES: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    /// A backquoted name: never a function name.
    Quoted(String),
    Number(String),
    Str(String),
    Symbol(&'static str),
    End,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(n) => write!(f, "'{n}'"),
            Token::Quoted(n) => write!(f, "'`{n}`'"),
            Token::Number(n) => write!(f, "'{n}'"),
            Token::Str(s) => write!(f, "the string \"{s}\""),
            Token::Symbol(s) => write!(f, "'{s}'"),
            Token::End => f.write_str("the end of the formula"),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, FormulaError> {
    let error = |position: usize, message: String| FormulaError {
        formula: text.to_string(),
        position,
        message,
    };
    if text.len() > MAX_FORMULA_BYTES {
        return Err(error(
            MAX_FORMULA_BYTES,
            format!("the formula is longer than {MAX_FORMULA_BYTES} bytes"),
        ));
    }
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' | b')' | b',' | b'~' | b'+' | b':' | b'*' => {
                let symbol = match c {
                    b'(' => "(",
                    b')' => ")",
                    b',' => ",",
                    b'~' => "~",
                    b'+' => "+",
                    b':' => ":",
                    _ => "*",
                };
                tokens.push((start, Token::Symbol(symbol)));
                i += 1;
            }
            b'=' => {
                if bytes.get(i + 1) == Some(&b'=') {
                    tokens.push((start, Token::Symbol("==")));
                    i += 2;
                } else {
                    tokens.push((start, Token::Symbol("=")));
                    i += 1;
                }
            }
            b'`' => {
                let end = text[i + 1..]
                    .find('`')
                    .ok_or_else(|| error(start, "unterminated backquoted name: expected a closing '`'".into()))?;
                let name = &text[i + 1..i + 1 + end];
                if name.is_empty() {
                    return Err(error(start, "empty backquoted name".into()));
                }
                tokens.push((start, Token::Quoted(name.to_string())));
                i += end + 2;
            }
            b'"' | b'\'' => {
                let mut value = String::new();
                let mut k = i + 1;
                let mut closed = false;
                while k < bytes.len() {
                    match bytes[k] {
                        b'\\' if k + 1 < bytes.len() => {
                            let next = text[k + 1..].chars().next().unwrap_or('\\');
                            value.push(next);
                            k += 1 + next.len_utf8();
                        }
                        b if b == c => {
                            closed = true;
                            k += 1;
                            break;
                        }
                        _ => {
                            let ch = text[k..].chars().next().unwrap_or('\u{FFFD}');
                            value.push(ch);
                            k += ch.len_utf8();
                        }
                    }
                }
                if !closed {
                    return Err(error(
                        start,
                        format!("unterminated string: expected a closing {}", c as char),
                    ));
                }
                tokens.push((start, Token::Str(value)));
                i = k;
            }
            // R reads `.5` as a number: a '.' followed by a digit starts no name
            b'-' | b'0'..=b'9' | b'.' if c != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let mut k = i + 1;
                while k < bytes.len()
                    && (bytes[k].is_ascii_digit()
                        || bytes[k] == b'.'
                        || ((bytes[k] == b'e' || bytes[k] == b'E') && k > i)
                        || ((bytes[k] == b'+' || bytes[k] == b'-') && matches!(bytes[k - 1], b'e' | b'E')))
                {
                    k += 1;
                }
                let number = &text[i..k];
                if c == b'-' && number == "-" {
                    return Err(error(
                        start,
                        "'-' (removing a term) is not supported; leave the term out".into(),
                    ));
                }
                if number.parse::<f64>().is_err() {
                    return Err(error(start, format!("'{number}' is not a number")));
                }
                tokens.push((start, Token::Number(number.to_string())));
                i = k;
            }
            c if c.is_ascii_alphabetic() || c == b'.' || c == b'_' => {
                let mut k = i + 1;
                while k < bytes.len() && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'.' || bytes[k] == b'_') {
                    k += 1;
                }
                tokens.push((start, Token::Name(text[i..k].to_string())));
                i = k;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
                return Err(error(start, format!("unexpected character '{ch}'")));
            }
        }
    }
    tokens.push((text.len(), Token::End));
    Ok(tokens)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(usize, Token)>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &(usize, Token) {
        &self.tokens[self.next.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> (usize, Token) {
        let token = self.peek().clone();
        if self.next < self.tokens.len() - 1 {
            self.next += 1;
        }
        token
    }

    fn error_at(&self, position: usize, message: String) -> FormulaError {
        FormulaError {
            formula: self.text.to_string(),
            position,
            message,
        }
    }

    /// An error at the next token: "expected X, found Y".
    fn expected(&self, what: &str) -> FormulaError {
        let (position, token) = self.peek();
        self.error_at(*position, format!("expected {what}, found {token}"))
    }

    fn symbol(&mut self, symbol: &str) -> Result<(), FormulaError> {
        match self.peek() {
            (_, Token::Symbol(s)) if *s == symbol => {
                self.advance();
                Ok(())
            }
            _ => Err(self.expected(&format!("'{symbol}'"))),
        }
    }

    fn at_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), (_, Token::Symbol(s)) if *s == symbol)
    }

    /// A column name (bare or backquoted).
    fn name(&mut self) -> Result<String, FormulaError> {
        match self.peek().clone() {
            (_, Token::Name(n)) if !RESERVED.contains(&n.as_str()) => {
                self.advance();
                Ok(n)
            }
            (_, Token::Quoted(n)) => {
                self.advance();
                Ok(n)
            }
            _ => Err(self.expected("a column name")),
        }
    }

    /// A value after `==` or `ref =`: a number or a string.
    fn value(&mut self) -> Result<String, FormulaError> {
        match self.peek().clone() {
            (_, Token::Number(n)) | (_, Token::Str(n)) => {
                self.advance();
                Ok(n)
            }
            _ => Err(self.expected("a number or a quoted value")),
        }
    }

    fn formula(&mut self) -> Result<Formula, FormulaError> {
        let response = self.response()?;
        self.symbol("~")?;
        let mut terms: Vec<Term> = Vec::new();
        loop {
            let position = self.peek().0;
            match self.peek() {
                (_, Token::Number(n)) if n == "1" => {
                    self.advance();
                }
                _ => {
                    for term in self.term()? {
                        if terms.contains(&term) {
                            return Err(self.error_at(position, format!("the term {term} is listed twice")));
                        }
                        terms.push(term);
                    }
                }
            }
            if self.at_symbol("+") {
                self.advance();
                continue;
            }
            break;
        }
        match self.peek() {
            (_, Token::End) => {}
            (_, Token::Symbol("~")) => {
                let position = self.peek().0;
                return Err(self.error_at(position, "a formula has only one '~'".into()));
            }
            _ => return Err(self.expected("'+' or the end of the formula")),
        }
        for special in ["strata", "cluster"] {
            let count = terms
                .iter()
                .filter(|t| match t {
                    Term::Strata(_) => special == "strata",
                    Term::Cluster(_) => special == "cluster",
                    _ => false,
                })
                .count();
            if count > 1 {
                return Err(self.error_at(
                    self.text.len(),
                    format!("only one {special}() term is supported; combine the columns into one"),
                ));
            }
        }
        Ok(Formula { response, terms })
    }

    fn response(&mut self) -> Result<Response, FormulaError> {
        match self.peek() {
            (_, Token::Name(n)) if n == "Surv" => {
                self.advance();
            }
            _ => {
                return Err(self.expected("a survival response 'Surv(time, status)'"));
            }
        }
        self.symbol("(")?;
        let mut names = vec![self.name()?];
        let mut event_value = None;
        let mut status_factor = false;
        loop {
            if self.at_symbol("==") {
                if names.len() < 2 || status_factor {
                    return Err(self.expected(if status_factor { "')'" } else { "','" }));
                }
                self.advance();
                event_value = Some(self.value()?);
                break;
            }
            if !self.at_symbol(",") || status_factor {
                break;
            }
            if names.len() == 3 {
                return Err(self.expected("')' (Surv takes at most three columns: entry, exit, status)"));
            }
            self.advance();
            // `factor(status)`: a status of causes (only the last column can be one)
            let is_factor = matches!(self.peek(), (_, Token::Name(n)) if n == "factor")
                && matches!(self.tokens.get(self.next + 1), Some((_, Token::Symbol(s))) if *s == "(");
            if is_factor {
                self.advance();
                self.symbol("(")?;
                names.push(self.name()?);
                self.symbol(")")?;
                status_factor = true;
            } else {
                names.push(self.name()?);
            }
        }
        if names.len() < 2 {
            return Err(self.expected("',' and the status column"));
        }
        self.symbol(")")?;
        let status = names.pop().unwrap_or_default();
        let time = names.pop().unwrap_or_default();
        Ok(Response {
            entry: names.pop(),
            time,
            status,
            event_value,
            status_factor,
        })
    }

    /// One term of the sum: a factor, an interaction, or `x*z` expanded to its three terms.
    fn term(&mut self) -> Result<Vec<Term>, FormulaError> {
        let start = self.peek().0;
        let first = self.factor()?;
        if !self.at_symbol(":") && !self.at_symbol("*") {
            return Ok(vec![first]);
        }
        let mut parts = vec![(start, first)];
        let mut crossed = false;
        while self.at_symbol(":") || self.at_symbol("*") {
            crossed |= self.at_symbol("*");
            self.advance();
            let position = self.peek().0;
            parts.push((position, self.factor()?));
        }
        let mut variables = Vec::new();
        for (position, part) in parts {
            match part {
                Term::Variable(v) => {
                    if variables.contains(&v) {
                        return Err(self.error_at(position, format!("{v} appears twice in one interaction")));
                    }
                    variables.push(v)
                }
                other => {
                    return Err(self.error_at(position, format!("{other} cannot be part of an interaction")));
                }
            }
        }
        if !crossed {
            return Ok(vec![Term::Interaction(variables)]);
        }
        // x*y*z: every non-empty subset of the variables, by order then position (R's terms()).
        let n = variables.len();
        if n > 4 {
            return Err(self.error_at(start, "'*' of more than four variables is not supported".into()));
        }
        let mut subsets: Vec<Vec<usize>> = (1u32..(1 << n))
            .map(|mask| (0..n).filter(|k| mask & (1 << k) != 0).collect())
            .collect();
        subsets.sort_by_key(|s| s.len());
        Ok(subsets
            .into_iter()
            .map(|s| match s.as_slice() {
                [k] => Term::Variable(variables[*k].clone()),
                _ => Term::Interaction(s.iter().map(|k| variables[*k].clone()).collect()),
            })
            .collect())
    }

    fn factor(&mut self) -> Result<Term, FormulaError> {
        let (position, token) = self.peek().clone();
        let function = match &token {
            Token::Name(n)
                if self
                    .tokens
                    .get(self.next + 1)
                    .is_some_and(|t| t.1 == Token::Symbol("(")) =>
            {
                n.clone()
            }
            Token::Name(_) | Token::Quoted(_) => {
                return Ok(Term::Variable(Variable {
                    column: self.name()?,
                    factor: false,
                    reference: None,
                }));
            }
            Token::Number(_) => {
                return Err(self.error_at(position, "a number can only stand alone as '1' (the intercept)".into()));
            }
            _ => return Err(self.expected("a term (a column name, factor(), strata(), cluster() or relevel())")),
        };
        self.advance();
        self.symbol("(")?;
        let term = match function.as_str() {
            "factor" | "as.factor" => Term::Variable(Variable {
                column: self.name()?,
                factor: true,
                reference: None,
            }),
            "strata" => Term::Strata(self.name()?),
            "cluster" => Term::Cluster(self.name()?),
            "relevel" => {
                let inner = match self.peek() {
                    (_, Token::Name(n))
                        if (n == "factor" || n == "as.factor")
                            && self
                                .tokens
                                .get(self.next + 1)
                                .is_some_and(|t| t.1 == Token::Symbol("(")) =>
                    {
                        self.advance();
                        self.advance();
                        let column = self.name()?;
                        self.symbol(")")?;
                        column
                    }
                    _ => self.name()?,
                };
                self.symbol(",")?;
                match self.peek() {
                    (_, Token::Name(n)) if n == "ref" => {
                        self.advance();
                        self.symbol("=")?;
                    }
                    (_, Token::Number(_)) | (_, Token::Str(_)) => {}
                    _ => return Err(self.expected("'ref = \"level\"'")),
                }
                let reference = self.value()?;
                Term::Variable(Variable {
                    column: inner,
                    factor: true,
                    reference: Some(reference),
                })
            }
            other => {
                return Err(self.error_at(
                    position,
                    format!("unknown function '{other}': a term is a column name, factor(), strata(), cluster() or relevel()"),
                ));
            }
        };
        self.symbol(")")?;
        Ok(term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(column: &str) -> Variable {
        Variable {
            column: column.into(),
            factor: false,
            reference: None,
        }
    }

    fn err(text: &str) -> FormulaError {
        match Formula::parse(text) {
            Err(e) => e,
            Ok(f) => panic!("'{text}' parsed as {f}"),
        }
    }

    #[test]
    fn parses_the_common_shapes() {
        let f = Formula::parse("Surv(time, status) ~ age + sex").unwrap();
        assert_eq!(f.response.time, "time");
        assert_eq!(f.response.status, "status");
        assert_eq!(f.response.entry, None);
        assert_eq!(f.terms, vec![Term::Variable(var("age")), Term::Variable(var("sex"))]);

        let f = Formula::parse("Surv(start,stop,event==2)~1").unwrap();
        assert_eq!(f.response.entry.as_deref(), Some("start"));
        assert_eq!(f.response.time, "stop");
        assert_eq!(f.response.event_value.as_deref(), Some("2"));
        assert!(f.terms.is_empty());

        let f = Formula::parse("Surv(t, s == \"dead\") ~ factor(ph.ecog) + strata(inst) + cluster(id)").unwrap();
        assert_eq!(f.response.event_value.as_deref(), Some("dead"));
        assert_eq!(
            f.terms,
            vec![
                Term::Variable(Variable {
                    column: "ph.ecog".into(),
                    factor: true,
                    reference: None
                }),
                Term::Strata("inst".into()),
                Term::Cluster("id".into()),
            ]
        );
        assert_eq!(f.columns(), vec!["t", "s", "ph.ecog", "inst", "id"]);
    }

    #[test]
    fn relevel_with_or_without_factor() {
        let expected = Term::Variable(Variable {
            column: "arm".into(),
            factor: true,
            reference: Some("placebo".into()),
        });
        for text in [
            "Surv(t, s) ~ relevel(arm, ref = \"placebo\")",
            "Surv(t, s) ~ relevel(factor(arm), ref='placebo')",
            "Surv(t, s) ~ relevel(arm, \"placebo\")",
        ] {
            assert_eq!(Formula::parse(text).unwrap().terms, vec![expected.clone()], "{text}");
        }
        let f = Formula::parse("Surv(t, s) ~ relevel(factor(sex), ref = 2)").unwrap();
        assert!(matches!(&f.terms[0], Term::Variable(v) if v.reference.as_deref() == Some("2")));
    }

    #[test]
    fn star_expands_as_r_terms() {
        let f = Formula::parse("Surv(t, s) ~ x*z").unwrap();
        assert_eq!(
            f.terms,
            vec![
                Term::Variable(var("x")),
                Term::Variable(var("z")),
                Term::Interaction(vec![var("x"), var("z")]),
            ]
        );
        let f = Formula::parse("Surv(t, s) ~ x + x:z").unwrap();
        assert_eq!(f.terms[1], Term::Interaction(vec![var("x"), var("z")]));
        let f = Formula::parse("Surv(t, s) ~ a*b*c").unwrap();
        assert_eq!(f.terms.len(), 7);
        assert_eq!(f.terms[6], Term::Interaction(vec![var("a"), var("b"), var("c")]));
    }

    #[test]
    fn a_status_of_causes_as_r_writes_it() {
        let f = Formula::parse("Surv(time, factor(status)) ~ sex").unwrap();
        assert_eq!((f.response.status.as_str(), f.response.status_factor), ("status", true));
        // a column called factor is still a column
        let f = Formula::parse("Surv(time, factor) ~ 1").unwrap();
        assert_eq!(
            (f.response.status.as_str(), f.response.status_factor),
            ("factor", false)
        );
        assert!(Formula::parse("Surv(time, factor(status) == 2) ~ 1").is_err());
        assert!(Formula::parse("Surv(time, factor(status), x) ~ 1").is_err());
    }

    #[test]
    fn backquoted_names() {
        let f = Formula::parse("Surv(`follow up`, status) ~ `age at entry` + `1x`").unwrap();
        assert_eq!(f.response.time, "follow up");
        assert_eq!(f.terms[1], Term::Variable(var("1x")));
        assert_eq!(f.to_string(), "Surv(`follow up`, status) ~ `age at entry` + `1x`");
    }

    #[test]
    fn round_trip() {
        for text in [
            "Surv(time, status) ~ age + sex",
            "Surv(time, status == 2) ~ 1",
            "Surv(entry, exit, status) ~ factor(sex) + strata(inst)",
            "Surv(time, factor(status)) ~ sex",
            "Surv(time,status)~x*z+cluster(id)",
            "Surv(t, s == \"dead \\\"x\\\"\") ~ relevel(arm, ref = 'a b') + a:b:c",
            "Surv(t, s == -1.5e3) ~ 1 + x",
            "Surv(`a b`, s) ~ `TRUE` + .x",
            // found by the formula fuzz target: ".0" printed bare did not lex as a number
            "Surv(t, s == \".0\") ~ arm",
            "Surv(t, s == .5) ~ arm",
        ] {
            let parsed = Formula::parse(text).unwrap();
            let shown = parsed.to_string();
            assert_eq!(Formula::parse(&shown).unwrap(), parsed, "{text} → {shown}");
            assert_eq!(Formula::parse(&shown).unwrap().to_string(), shown);
        }
        assert_eq!(
            Formula::parse("Surv(time,status)~x*z").unwrap().to_string(),
            "Surv(time, status) ~ x + z + x:z"
        );
    }

    #[test]
    fn error_shows_a_caret_under_the_problem() {
        let e = err("Surv(time, status ~ age");
        assert_eq!(e.position, 18);
        assert_eq!(e.message, "expected ')', found '~'");
        assert_eq!(
            e.to_string(),
            "expected ')', found '~' at position 19:\n  Surv(time, status ~ age\n                    ^"
        );
    }

    #[test]
    fn caret_counts_characters_not_bytes() {
        let e = err("Surv(`tïme`, s) ~ ä");
        assert_eq!(e.message, "unexpected character 'ä'");
        assert_eq!(e.position, 19);
        assert!(
            e.to_string()
                .ends_with("\n  Surv(`tïme`, s) ~ ä\n                    ^"),
            "{e}"
        );
    }

    /// Every error the parser can give, with the position it points at.
    #[test]
    fn every_error() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "",
                0,
                "expected a survival response 'Surv(time, status)', found the end of the formula",
            ),
            (
                "time ~ age",
                0,
                "expected a survival response 'Surv(time, status)', found 'time'",
            ),
            ("Surv time, status) ~ x", 5, "expected '(', found 'time'"),
            ("Surv(time) ~ x", 9, "expected ',' and the status column, found ')'"),
            ("Surv(time == 1, s) ~ x", 10, "expected ',', found '=='"),
            (
                "Surv(a, b, c, d) ~ x",
                12,
                "expected ')' (Surv takes at most three columns: entry, exit, status), found ','",
            ),
            (
                "Surv(t, s == x) ~ x",
                13,
                "expected a number or a quoted value, found 'x'",
            ),
            ("Surv(t, 2) ~ x", 8, "expected a column name, found '2'"),
            ("Surv(t, TRUE) ~ x", 8, "expected a column name, found 'TRUE'"),
            ("Surv(t, s) age", 11, "expected '~', found 'age'"),
            (
                "Surv(t, s) ~",
                12,
                "expected a term (a column name, factor(), strata(), cluster() or relevel()), found the end of the formula",
            ),
            (
                "Surv(t, s) ~ age +",
                18,
                "expected a term (a column name, factor(), strata(), cluster() or relevel()), found the end of the formula",
            ),
            (
                "Surv(t, s) ~ age sex",
                17,
                "expected '+' or the end of the formula, found 'sex'",
            ),
            ("Surv(t, s) ~ age ~ sex", 17, "a formula has only one '~'"),
            (
                "Surv(t, s) ~ 2",
                13,
                "a number can only stand alone as '1' (the intercept)",
            ),
            (
                "Surv(t, s) ~ log(age)",
                13,
                "unknown function 'log': a term is a column name, factor(), strata(), cluster() or relevel()",
            ),
            (
                "Surv(t, s) ~ factor(age",
                23,
                "expected ')', found the end of the formula",
            ),
            ("Surv(t, s) ~ relevel(arm)", 24, "expected ',', found ')'"),
            (
                "Surv(t, s) ~ relevel(arm, lvl = 1)",
                26,
                "expected 'ref = \"level\"', found 'lvl'",
            ),
            ("Surv(t, s) ~ relevel(arm, ref 1)", 30, "expected '=', found '1'"),
            ("Surv(t, s) ~ age + age", 19, "the term age is listed twice"),
            (
                "Surv(t, s) ~ x:strata(g)",
                15,
                "strata(g) cannot be part of an interaction",
            ),
            ("Surv(t, s) ~ x:x", 15, "x appears twice in one interaction"),
            (
                "Surv(t, s) ~ a*b*c*d*e",
                13,
                "'*' of more than four variables is not supported",
            ),
            (
                "Surv(t, s) ~ strata(a) + strata(b)",
                34,
                "only one strata() term is supported; combine the columns into one",
            ),
            (
                "Surv(t, s) ~ cluster(a) + cluster(b)",
                36,
                "only one cluster() term is supported; combine the columns into one",
            ),
            (
                "Surv(t, s) ~ x - 1",
                15,
                "'-' (removing a term) is not supported; leave the term out",
            ),
            ("Surv(t, s) ~ x + 1.2.3", 17, "'1.2.3' is not a number"),
            (
                "Surv(t, s) ~ `x",
                13,
                "unterminated backquoted name: expected a closing '`'",
            ),
            ("Surv(t, s) ~ ``", 13, "empty backquoted name"),
            (
                "Surv(t, s == \"a) ~ x",
                13,
                "unterminated string: expected a closing \"",
            ),
            ("Surv(t, s) ~ x | z", 15, "unexpected character '|'"),
        ];
        for (text, position, message) in cases {
            let e = err(text);
            assert_eq!((&e.message[..], e.position), (*message, *position), "{text}");
            assert!(e.to_string().contains('^'));
        }
        let long = format!("Surv(t, s) ~ {}", "x + ".repeat(3000));
        assert!(err(&long).message.contains("longer than"));
    }
}
