//! Reference data the screens pick from: provinces and the procedure
//! catalogue (which an administrator may correct).

use bhxh_core::reference::catalog;

use crate::dto::{self, Procedure, ProcedureEdit, Province};

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
