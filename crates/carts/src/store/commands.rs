//! Every change to the carts data, as one struct per command with the
//! decisions both backends share (is the cart open for edits, how many
//! units a line may hold). Each backend applies a command in one
//! transaction with its own SQL: SQLite through the group-commit writer
//! (`sqlite_writer.rs`), PostgreSQL in a transaction that locks the cart
//! row first (`postgres_writes.rs`).

use storefront_wire::shop::CartStatus;
use storefront_wire::{CustomerId, Quantity};

use super::CartRecord;

/// What became of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Applied; the cart as it now stands.
    Done(CartRecord),
    /// The cart is being checked out; it cannot change until that settles.
    CheckoutInProgress,
    /// No such product in the customer's open cart (or no open cart).
    NoSuchItem,
    /// The line would hold more than `limit`; it holds `in_cart` now.
    OverLimit { in_cart: u32 },
}

/// Where a checkout request starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutStart {
    /// This cart is now checking out (or already was, under the same
    /// client key): place its order.
    Place(CartRecord),
    /// The client key's checkout already became this order.
    Ordered(u64),
    /// Another checkout of this cart (another key, or none) is under way.
    InProgress,
    /// This checkout (same key) is being placed by another carts process.
    Pending,
    /// No open cart, or one without items.
    Empty,
}

/// Adds `quantity` units of a product to the customer's open cart (opening
/// one if needed), unless the line would then exceed `limit`.
#[derive(Debug, Clone)]
pub struct AddLine {
    pub customer: CustomerId,
    pub product_id: i64,
    pub quantity: Quantity,
    pub limit: u32,
}

/// Sets the quantity of a product already in the customer's open cart,
/// unless it exceeds `limit`.
#[derive(Debug, Clone)]
pub struct SetLine {
    pub customer: CustomerId,
    pub product_id: i64,
    pub quantity: Quantity,
    pub limit: u32,
}

/// Takes a product out of the customer's open cart.
#[derive(Debug, Clone)]
pub struct RemoveLine {
    pub customer: CustomerId,
    pub product_id: i64,
}

/// Freezes the customer's open cart for checkout (`checking_out`),
/// recording the client's idempotency key on it; a retry with the same key
/// finds that cart (or the order it became). The cart is placed by
/// `placer`, this process's owner id.
#[derive(Debug, Clone)]
pub struct BeginCheckout {
    pub customer: CustomerId,
    pub client_key: Option<String>,
    pub placer: i64,
}

/// Makes `placer` the process placing a frozen cart, unless another live
/// process is; whether it did (and the cart is still frozen).
#[derive(Debug, Clone)]
pub struct ClaimPlacing {
    pub cart_id: i64,
    pub placer: i64,
}

/// Records the order a checkout became. Idempotent: a cart already ordered
/// (by a concurrent re-drive of the same checkout) stays so.
#[derive(Debug, Clone)]
pub struct FinishCheckout {
    pub cart_id: i64,
    pub order_number: i64,
}

/// Puts a cart whose order was definitely refused back to `active`; its key
/// is forgotten, as the orders service forgets refusals. Only while
/// `placer` is still the process placing it: one that was taken for dead
/// leaves the cart to whoever took it over.
#[derive(Debug, Clone)]
pub struct Reopen {
    pub cart_id: i64,
    pub placer: i64,
}

/// A cart may change only while it is active.
pub(super) fn editable(status: CartStatus) -> Result<(), Edit> {
    match status {
        CartStatus::Active => Ok(()),
        CartStatus::CheckingOut | CartStatus::Ordered => Err(Edit::CheckoutInProgress),
    }
}

/// What [`AddLine`] and [`SetLine`] share: each writes one line of the
/// customer's open cart, given what the line holds now.
pub(super) trait LineChange {
    fn customer(&self) -> &CustomerId;
    fn product_id(&self) -> i64;
    /// Whether a customer without an open cart gets one (else: no such item).
    fn opens_a_cart(&self) -> bool;
    /// The line's new quantity given what it holds now, or why not.
    fn new_quantity(&self, in_cart: Option<u32>) -> Result<i64, Edit>;
}

impl LineChange for AddLine {
    fn customer(&self) -> &CustomerId {
        &self.customer
    }

    fn product_id(&self) -> i64 {
        self.product_id
    }

    fn opens_a_cart(&self) -> bool {
        true
    }

    fn new_quantity(&self, in_cart: Option<u32>) -> Result<i64, Edit> {
        let in_cart = in_cart.unwrap_or(0);
        let wanted = u64::from(in_cart) + u64::from(self.quantity.get());
        if wanted > u64::from(self.limit) {
            return Err(Edit::OverLimit { in_cart });
        }
        Ok(wanted as i64)
    }
}

impl LineChange for SetLine {
    fn customer(&self) -> &CustomerId {
        &self.customer
    }

    fn product_id(&self) -> i64 {
        self.product_id
    }

    fn opens_a_cart(&self) -> bool {
        false
    }

    /// The line must exist.
    fn new_quantity(&self, in_cart: Option<u32>) -> Result<i64, Edit> {
        let in_cart = in_cart.ok_or(Edit::NoSuchItem)?;
        if self.quantity.get() > self.limit {
            return Err(Edit::OverLimit { in_cart });
        }
        Ok(i64::from(self.quantity.get()))
    }
}

/// What a checkout does with the customer's open cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CheckoutStep {
    /// Active: freeze it under the client's key and place it.
    Freeze,
    /// Frozen by an earlier try with the same client key: place it again.
    Resume,
    /// Frozen by another checkout (another key, or none).
    InProgress,
}

impl BeginCheckout {
    /// The step for an open cart in `status`, frozen under `frozen_under`.
    pub(super) fn step(&self, status: CartStatus, frozen_under: Option<&str>) -> CheckoutStep {
        match status {
            CartStatus::Active => CheckoutStep::Freeze,
            CartStatus::CheckingOut
                if self.client_key.is_some() && frozen_under == self.client_key.as_deref() =>
            {
                CheckoutStep::Resume
            }
            CartStatus::CheckingOut | CartStatus::Ordered => CheckoutStep::InProgress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(n: u64) -> Quantity {
        Quantity::new(n).unwrap()
    }

    fn add(units: u64, limit: u32) -> AddLine {
        AddLine {
            customer: CustomerId::parse("bob".to_owned()).unwrap(),
            product_id: 1,
            quantity: quantity(units),
            limit,
        }
    }

    #[test]
    fn an_add_is_capped_by_the_limit_counting_what_the_line_holds() {
        assert_eq!(add(2, 5).new_quantity(None), Ok(2));
        assert_eq!(add(2, 5).new_quantity(Some(3)), Ok(5));
        assert_eq!(
            add(2, 5).new_quantity(Some(4)),
            Err(Edit::OverLimit { in_cart: 4 })
        );
        assert_eq!(
            add(1, 0).new_quantity(None),
            Err(Edit::OverLimit { in_cart: 0 })
        );
    }

    #[test]
    fn a_set_needs_the_line_and_stays_within_the_limit() {
        let set = |units, limit| SetLine {
            customer: CustomerId::parse("bob".to_owned()).unwrap(),
            product_id: 1,
            quantity: quantity(units),
            limit,
        };
        assert_eq!(set(3, 5).new_quantity(None), Err(Edit::NoSuchItem));
        assert_eq!(set(3, 5).new_quantity(Some(9)), Ok(3));
        assert_eq!(
            set(6, 5).new_quantity(Some(1)),
            Err(Edit::OverLimit { in_cart: 1 })
        );
    }

    #[test]
    fn only_an_active_cart_is_editable() {
        assert_eq!(editable(CartStatus::Active), Ok(()));
        assert_eq!(
            editable(CartStatus::CheckingOut),
            Err(Edit::CheckoutInProgress)
        );
    }

    #[test]
    fn a_frozen_cart_is_placed_again_only_under_its_own_key() {
        let begin = |key: Option<&str>| BeginCheckout {
            customer: CustomerId::parse("bob".to_owned()).unwrap(),
            client_key: key.map(str::to_owned),
            placer: 1,
        };
        let frozen = CartStatus::CheckingOut;
        assert_eq!(
            begin(Some("k")).step(CartStatus::Active, None),
            CheckoutStep::Freeze
        );
        assert_eq!(
            begin(Some("k")).step(frozen, Some("k")),
            CheckoutStep::Resume
        );
        assert_eq!(
            begin(Some("k")).step(frozen, Some("j")),
            CheckoutStep::InProgress
        );
        assert_eq!(
            begin(Some("k")).step(frozen, None),
            CheckoutStep::InProgress
        );
        assert_eq!(begin(None).step(frozen, None), CheckoutStep::InProgress);
    }
}
