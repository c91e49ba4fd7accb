//! Reference data the screens pick from: provinces and the procedure
//! catalogue (which an administrator may correct).

use bhxh_core::reference::{catalog, rules};
use chrono::NaiveDate;

use crate::dto::{
    self, AdminUnit, AppliedPack, Procedure, ProcedureEdit, ProcedureRule, Province, UnitLookup,
};

use crate::policy::Action;
use crate::{Desk, DeskError};

impl Desk {
    /// The provinces, for the first-start setup (no session: nothing
    /// personal, and nobody can sign in before setup).
    pub fn provinces(&self) -> Result<Vec<Province>, DeskError> {
        Ok(dto::all(catalog::provinces(&*self.store.conn()?)?))
    }

    pub fn procedures(&self) -> Result<Vec<Procedure>, DeskError> {
        self.read(Action::ViewPlan, |conn, _| {
            Ok(dto::all(catalog::procedures(conn)?))
        })
    }

    /// The catalogue without a session: for the command line's listing
    /// (it holds no personal data).
    pub fn procedures_public(&self) -> Result<Vec<Procedure>, DeskError> {
        Ok(dto::all(catalog::procedures(&*self.store.conn()?)?))
    }

    /// The provincial-level units in force on `on` (no session: public
    /// reference data): 34 from 1/7/2025, the 63 before.
    pub fn units_at(&self, on: NaiveDate) -> Result<Vec<AdminUnit>, DeskError> {
        Ok(dto::all(rules::units_at(&*self.store.conn()?, on)?))
    }

    /// A unit by an old (3-digit, as in ID numbers) or a new (2-digit)
    /// code, as it stands on `on`.
    pub fn unit_lookup(&self, code: &str, on: NaiveDate) -> Result<UnitLookup, DeskError> {
        let conn = self.store.conn()?;
        let code = code.trim();
        if code.len() == 3 {
            let found = rules::old_unit(&conn, code, on)?;
            return Ok(match found {
                Some((old, unit)) => UnitLookup {
                    unit: unit.map(Into::into),
                    old: Some(old.into()),
                },
                None => UnitLookup {
                    unit: None,
                    old: None,
                },
            });
        }
        Ok(UnitLookup {
            unit: rules::unit_by_code(&conn, code, on)?.map(Into::into),
            old: None,
        })
    }

    /// Place the office among the 34 units at `level` ("provincial" or
    /// "base"), renamed to `name` if given (administrators; audited).
    pub fn office_set_unit(
        &self,
        unit_code: &str,
        level: &str,
        name: Option<&str>,
    ) -> Result<dto::Office, DeskError> {
        self.change(Action::EditOffice, |tx, actor, now| {
            Ok(bhxh_core::office::set_unit(tx, actor, unit_code, level, name, now)?.into())
        })
    }

    /// The office's name the naming rule of `on` gives for a unit and level
    /// ("Bảo hiểm xã hội tỉnh Ninh Bình", "Bảo hiểm xã hội cơ sở …").
    pub fn office_name_suggestion(
        &self,
        unit_code: &str,
        base_name: Option<&str>,
        on: NaiveDate,
    ) -> Result<Option<String>, DeskError> {
        let conn = self.store.conn()?;
        let Some(unit) = rules::unit_by_code(&conn, unit_code, on)? else {
            return Ok(None);
        };
        Ok(rules::office_name(&conn, &unit, base_name, on)?)
    }

    /// Each procedure's deadline in force on `on` (public reference data).
    pub fn procedures_at(&self, on: NaiveDate) -> Result<Vec<ProcedureRule>, DeskError> {
        Ok(dto::all(rules::procedures_at(&*self.store.conn()?, on)?))
    }

    /// The reference packs applied to this store, newest first, with what
    /// each changed (administrators).
    pub fn reference_packs(&self) -> Result<Vec<AppliedPack>, DeskError> {
        self.read(Action::ViewAudit, |conn, _| {
            Ok(dto::all(rules::applied_packs(conn)?))
        })
    }

    /// Edit a procedure of the catalogue (administrator; audited with the
    /// values before and after).
    pub fn procedure_update(
        &self,
        code: &str,
        edit: &ProcedureEdit,
    ) -> Result<Procedure, DeskError> {
        self.change(Action::EditCatalogue, |tx, actor, now| {
            Ok(catalog::update_procedure(tx, actor, code, &edit.clone().into(), now)?.into())
        })
    }
}
