//! What the importer needs to know of the FollowTheMoney schemata: each
//! schema's labels (itself and its concrete ancestors), its edge (which two
//! properties are a link's ends, and the link's type), and the properties
//! whose values are entity ids, dates or numbers (all others are text).

/// How a property's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Ids of other entities; the schema the referenced entity has.
    Entity(&'static str),
    Date,
    Number,
}

/// A schema whose entities become links: `source` → `target`.
#[derive(Debug, Clone, Copy)]
pub(super) struct EdgeDef {
    pub source: &'static str,
    pub target: &'static str,
    /// The FtM edge label as a verb (`owns` → `OWNS`). Symmetric relations
    /// (Family, Associate, UnknownLink) also run from `source` to `target`.
    pub link_type: &'static str,
}

#[derive(Debug)]
pub(super) struct SchemaDef {
    pub name: &'static str,
    pub labels: &'static [&'static str],
    pub edge: Option<EdgeDef>,
    /// Sorted by name; properties not listed are text.
    pub props: &'static [(&'static str, Kind)],
}

impl SchemaDef {
    pub fn kind(&self, prop: &str) -> Option<Kind> {
        self.props
            .binary_search_by(|(p, _)| (*p).cmp(prop))
            .ok()
            .map(|i| self.props[i].1)
    }
}

/// The schema of that name, if this FtM version has it.
pub(super) fn schema(name: &str) -> Option<&'static SchemaDef> {
    SCHEMATA
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| &SCHEMATA[i])
}

// Generated from the FollowTheMoney schema YAMLs (alephdata/followthemoney
// c70a89f, 2025-06-27, plus Control, Risk and Territory from
// opensanctions/followthemoney); link types from each edge's own label.
#[rustfmt::skip]
pub(super) const SCHEMATA: &[SchemaDef] = &[
    SchemaDef {
        name: "Address",
        labels: &["Address"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("latitude", Kind::Number), ("longitude", Kind::Number), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Airplane",
        labels: &["Airplane", "Vehicle", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("buildDate", Kind::Date), ("createdAt", Kind::Date), ("deregistrationDate", Kind::Date), ("modifiedAt", Kind::Date), ("operator", Kind::Entity("LegalEntity")), ("owner", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("registrationDate", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Analyzable",
        labels: &["Analyzable"],
        edge: None,
        props: &[],
    },
    SchemaDef {
        name: "Article",
        labels: &["Article", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Assessment",
        labels: &["Assessment"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("author", Kind::Entity("LegalEntity")), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishDate", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Asset",
        labels: &["Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Associate",
        labels: &["Associate"],
        edge: Some(EdgeDef { source: "person", target: "associate", link_type: "ASSOCIATED_WITH" }),
        props: &[("associate", Kind::Entity("Person")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("person", Kind::Entity("Person")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Audio",
        labels: &["Audio", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("duration", Kind::Number), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date), ("samplingRate", Kind::Number)],
    },
    SchemaDef {
        name: "BankAccount",
        labels: &["BankAccount", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("balance", Kind::Number), ("balanceDate", Kind::Date), ("bank", Kind::Entity("Organization")), ("closingDate", Kind::Date), ("createdAt", Kind::Date), ("maxBalance", Kind::Number), ("maxBalanceDate", Kind::Date), ("modifiedAt", Kind::Date), ("openingDate", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Call",
        labels: &["Call"],
        edge: None,
        props: &[("caller", Kind::Entity("LegalEntity")), ("date", Kind::Date), ("duration", Kind::Number), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("receiver", Kind::Entity("LegalEntity")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "CallForTenders",
        labels: &["CallForTenders"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("authority", Kind::Entity("LegalEntity")), ("awardNoticeDate", Kind::Date), ("awardingDate", Kind::Date), ("clarificationDeadline", Kind::Date), ("contractNoticeDate", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("maximumNumberOfLots", Kind::Number), ("modifiedAt", Kind::Date), ("numberOfLots", Kind::Number), ("onBehalfOf", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("publicationDate", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("submissionDeadline", Kind::Date), ("tenderers", Kind::Entity("LegalEntity"))],
    },
    SchemaDef {
        name: "Company",
        labels: &["Company", "Organization", "LegalEntity", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("createdAt", Kind::Date), ("dissolutionDate", Kind::Date), ("incorporationDate", Kind::Date), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Contract",
        labels: &["Contract", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("authority", Kind::Entity("LegalEntity")), ("contractDate", Kind::Date), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("project", Kind::Entity("Project")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "ContractAward",
        labels: &["ContractAward"],
        edge: Some(EdgeDef { source: "contract", target: "supplier", link_type: "AWARDED_TO" }),
        props: &[("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("callForTenders", Kind::Entity("CallForTenders")), ("contract", Kind::Entity("Contract")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("supplier", Kind::Entity("LegalEntity"))],
    },
    SchemaDef {
        name: "Control",
        labels: &["Control"],
        edge: Some(EdgeDef { source: "controller", target: "controlled", link_type: "CONTROLS" }),
        props: &[("controlled", Kind::Entity("LegalEntity")), ("controller", Kind::Entity("LegalEntity")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "CourtCase",
        labels: &["CourtCase"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("closeDate", Kind::Date), ("createdAt", Kind::Date), ("fileDate", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "CourtCaseParty",
        labels: &["CourtCaseParty"],
        edge: Some(EdgeDef { source: "party", target: "case", link_type: "INVOLVED_IN" }),
        props: &[("case", Kind::Entity("CourtCase")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("party", Kind::Entity("Thing")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "CryptoWallet",
        labels: &["CryptoWallet"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("balance", Kind::Number), ("balanceDate", Kind::Date), ("createdAt", Kind::Date), ("creationDate", Kind::Date), ("holder", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Debt",
        labels: &["Debt"],
        edge: Some(EdgeDef { source: "debtor", target: "creditor", link_type: "OWES" }),
        props: &[("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("creditor", Kind::Entity("LegalEntity")), ("date", Kind::Date), ("debtor", Kind::Entity("LegalEntity")), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Directorship",
        labels: &["Directorship"],
        edge: Some(EdgeDef { source: "director", target: "organization", link_type: "DIRECTS" }),
        props: &[("date", Kind::Date), ("director", Kind::Entity("LegalEntity")), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("organization", Kind::Entity("Organization")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Document",
        labels: &["Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Documentation",
        labels: &["Documentation"],
        edge: Some(EdgeDef { source: "document", target: "entity", link_type: "DOCUMENTS" }),
        props: &[("date", Kind::Date), ("document", Kind::Entity("Document")), ("endDate", Kind::Date), ("entity", Kind::Entity("Thing")), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "EconomicActivity",
        labels: &["EconomicActivity"],
        edge: None,
        props: &[("bankAccount", Kind::Entity("BankAccount")), ("bankForeign", Kind::Entity("BankAccount")), ("bankRub", Kind::Entity("BankAccount")), ("contract", Kind::Entity("Contract")), ("contractHolder", Kind::Entity("LegalEntity")), ("date", Kind::Date), ("declarant", Kind::Entity("LegalEntity")), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("receiver", Kind::Entity("LegalEntity")), ("retrievedAt", Kind::Date), ("sender", Kind::Entity("LegalEntity")), ("startDate", Kind::Date), ("transport", Kind::Entity("Vehicle"))],
    },
    SchemaDef {
        name: "Email",
        labels: &["Email", "Folder", "Document", "PlainText", "HyperText"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("emitters", Kind::Entity("LegalEntity")), ("fileSize", Kind::Number), ("inReplyToEmail", Kind::Entity("Email")), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("recipients", Kind::Entity("LegalEntity")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Employment",
        labels: &["Employment"],
        edge: Some(EdgeDef { source: "employee", target: "employer", link_type: "WORKS_FOR" }),
        props: &[("date", Kind::Date), ("employee", Kind::Entity("Person")), ("employer", Kind::Entity("Organization")), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Event",
        labels: &["Event"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("involved", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("organizer", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Family",
        labels: &["Family"],
        edge: Some(EdgeDef { source: "person", target: "relative", link_type: "RELATED_TO" }),
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("person", Kind::Entity("Person")), ("relative", Kind::Entity("Person")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Folder",
        labels: &["Folder", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "HyperText",
        labels: &["HyperText", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Identification",
        labels: &["Identification"],
        edge: None,
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("holder", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Image",
        labels: &["Image", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("pictured", Kind::Entity("Person")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Interest",
        labels: &["Interest"],
        edge: None,
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Interval",
        labels: &["Interval"],
        edge: None,
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "LegalEntity",
        labels: &["LegalEntity"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("dissolutionDate", Kind::Date), ("incorporationDate", Kind::Date), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "License",
        labels: &["License", "Contract", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("authority", Kind::Entity("LegalEntity")), ("contractDate", Kind::Date), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("project", Kind::Entity("Project")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Membership",
        labels: &["Membership"],
        edge: Some(EdgeDef { source: "member", target: "organization", link_type: "BELONGS_TO" }),
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("member", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("organization", Kind::Entity("Organization")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Mention",
        labels: &["Mention"],
        edge: None,
        props: &[("document", Kind::Entity("Document")), ("resolved", Kind::Entity("LegalEntity"))],
    },
    SchemaDef {
        name: "Message",
        labels: &["Message", "Folder", "Document", "PlainText", "HyperText"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("fileSize", Kind::Number), ("inReplyToMessage", Kind::Entity("Message")), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("recipientAccount", Kind::Entity("UserAccount")), ("recipients", Kind::Entity("LegalEntity")), ("retrievedAt", Kind::Date), ("sender", Kind::Entity("LegalEntity")), ("senderAccount", Kind::Entity("UserAccount")), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Note",
        labels: &["Note"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("entity", Kind::Entity("Thing")), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Occupancy",
        labels: &["Occupancy"],
        edge: Some(EdgeDef { source: "holder", target: "post", link_type: "HOLDS" }),
        props: &[("date", Kind::Date), ("declarationDate", Kind::Date), ("endDate", Kind::Date), ("holder", Kind::Entity("Person")), ("modifiedAt", Kind::Date), ("post", Kind::Entity("Position")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Organization",
        labels: &["Organization", "LegalEntity"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("dissolutionDate", Kind::Date), ("incorporationDate", Kind::Date), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Ownership",
        labels: &["Ownership"],
        edge: Some(EdgeDef { source: "owner", target: "asset", link_type: "OWNS" }),
        props: &[("asset", Kind::Entity("Asset")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("owner", Kind::Entity("LegalEntity")), ("percentage", Kind::Number), ("retrievedAt", Kind::Date), ("sharesCount", Kind::Number), ("sharesValue", Kind::Number), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Package",
        labels: &["Package", "Folder", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Page",
        labels: &["Page"],
        edge: None,
        props: &[("document", Kind::Entity("Pages")), ("index", Kind::Number)],
    },
    SchemaDef {
        name: "Pages",
        labels: &["Pages", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Passport",
        labels: &["Passport", "Identification"],
        edge: None,
        props: &[("birthDate", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("holder", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Payment",
        labels: &["Payment"],
        edge: Some(EdgeDef { source: "payer", target: "beneficiary", link_type: "PAID" }),
        props: &[("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("beneficiary", Kind::Entity("LegalEntity")), ("beneficiaryAccount", Kind::Entity("BankAccount")), ("contract", Kind::Entity("Contract")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("payer", Kind::Entity("LegalEntity")), ("payerAccount", Kind::Entity("BankAccount")), ("project", Kind::Entity("Project")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Person",
        labels: &["Person", "LegalEntity"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("birthDate", Kind::Date), ("createdAt", Kind::Date), ("deathDate", Kind::Date), ("dissolutionDate", Kind::Date), ("height", Kind::Number), ("incorporationDate", Kind::Date), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date), ("weight", Kind::Number)],
    },
    SchemaDef {
        name: "PlainText",
        labels: &["PlainText", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Position",
        labels: &["Position"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("dissolutionDate", Kind::Date), ("inceptionDate", Kind::Date), ("modifiedAt", Kind::Date), ("numberOfSeats", Kind::Number), ("organization", Kind::Entity("Organization")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Post",
        labels: &["Post"],
        edge: None,
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("holder", Kind::Entity("Person")), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Project",
        labels: &["Project"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("createdAt", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "ProjectParticipant",
        labels: &["ProjectParticipant"],
        edge: Some(EdgeDef { source: "participant", target: "project", link_type: "PARTICIPATES_IN" }),
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("participant", Kind::Entity("LegalEntity")), ("project", Kind::Entity("Project")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "PublicBody",
        labels: &["PublicBody", "Organization", "LegalEntity"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("dissolutionDate", Kind::Date), ("incorporationDate", Kind::Date), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "RealEstate",
        labels: &["RealEstate", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("area", Kind::Number), ("createDate", Kind::Date), ("createdAt", Kind::Date), ("latitude", Kind::Number), ("longitude", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("RealEstate")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Representation",
        labels: &["Representation"],
        edge: Some(EdgeDef { source: "agent", target: "client", link_type: "REPRESENTS" }),
        props: &[("agent", Kind::Entity("LegalEntity")), ("client", Kind::Entity("LegalEntity")), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Risk",
        labels: &["Risk"],
        edge: None,
        props: &[("date", Kind::Date), ("duration", Kind::Number), ("endDate", Kind::Date), ("entity", Kind::Entity("Thing")), ("listingDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Sanction",
        labels: &["Sanction"],
        edge: None,
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("entity", Kind::Entity("Thing")), ("listingDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date)],
    },
    SchemaDef {
        name: "Security",
        labels: &["Security", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("createdAt", Kind::Date), ("issueDate", Kind::Date), ("issuer", Kind::Entity("LegalEntity")), ("maturityDate", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Similar",
        labels: &["Similar"],
        edge: None,
        props: &[("candidate", Kind::Entity("Thing")), ("confidenceScore", Kind::Number), ("match", Kind::Entity("Thing"))],
    },
    SchemaDef {
        name: "Succession",
        labels: &["Succession"],
        edge: Some(EdgeDef { source: "predecessor", target: "successor", link_type: "PRECEDES" }),
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("predecessor", Kind::Entity("LegalEntity")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("successor", Kind::Entity("LegalEntity"))],
    },
    SchemaDef {
        name: "Table",
        labels: &["Table", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date), ("rowCount", Kind::Number)],
    },
    SchemaDef {
        name: "TaxRoll",
        labels: &["TaxRoll"],
        edge: None,
        props: &[("birthDate", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("taxee", Kind::Entity("LegalEntity"))],
    },
    SchemaDef {
        name: "Territory",
        labels: &["Territory"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("partOf", Kind::Entity("Territory")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Thing",
        labels: &["Thing"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Trip",
        labels: &["Trip", "Event"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("date", Kind::Date), ("endDate", Kind::Date), ("endLocation", Kind::Entity("Address")), ("involved", Kind::Entity("LegalEntity")), ("modifiedAt", Kind::Date), ("organizer", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("startLocation", Kind::Entity("Address")), ("vehicle", Kind::Entity("Vehicle"))],
    },
    SchemaDef {
        name: "UnknownLink",
        labels: &["UnknownLink"],
        edge: Some(EdgeDef { source: "subject", target: "object", link_type: "LINKED_TO" }),
        props: &[("date", Kind::Date), ("endDate", Kind::Date), ("modifiedAt", Kind::Date), ("object", Kind::Entity("Thing")), ("retrievedAt", Kind::Date), ("startDate", Kind::Date), ("subject", Kind::Entity("Thing"))],
    },
    SchemaDef {
        name: "UserAccount",
        labels: &["UserAccount"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("createdAt", Kind::Date), ("modifiedAt", Kind::Date), ("owner", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Value",
        labels: &["Value"],
        edge: None,
        props: &[("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number)],
    },
    SchemaDef {
        name: "Vehicle",
        labels: &["Vehicle", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("buildDate", Kind::Date), ("createdAt", Kind::Date), ("deregistrationDate", Kind::Date), ("modifiedAt", Kind::Date), ("operator", Kind::Entity("LegalEntity")), ("owner", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("registrationDate", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Vessel",
        labels: &["Vessel", "Vehicle", "Asset"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("amount", Kind::Number), ("amountEur", Kind::Number), ("amountUsd", Kind::Number), ("buildDate", Kind::Date), ("createdAt", Kind::Date), ("deregistrationDate", Kind::Date), ("grossRegisteredTonnage", Kind::Number), ("modifiedAt", Kind::Date), ("nameChangeDate", Kind::Date), ("operator", Kind::Entity("LegalEntity")), ("owner", Kind::Entity("LegalEntity")), ("proof", Kind::Entity("Document")), ("registrationDate", Kind::Date), ("retrievedAt", Kind::Date), ("tonnage", Kind::Number)],
    },
    SchemaDef {
        name: "Video",
        labels: &["Video", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("duration", Kind::Number), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
    SchemaDef {
        name: "Workbook",
        labels: &["Workbook", "Folder", "Document"],
        edge: None,
        props: &[("addressEntity", Kind::Entity("Address")), ("ancestors", Kind::Entity("Folder")), ("authoredAt", Kind::Date), ("createdAt", Kind::Date), ("date", Kind::Date), ("fileSize", Kind::Number), ("modifiedAt", Kind::Date), ("parent", Kind::Entity("Folder")), ("processedAt", Kind::Date), ("proof", Kind::Entity("Document")), ("publishedAt", Kind::Date), ("retrievedAt", Kind::Date)],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(SCHEMATA.windows(2).all(|w| w[0].name < w[1].name));
        for s in SCHEMATA {
            assert!(s.props.windows(2).all(|w| w[0].0 < w[1].0), "{}", s.name);
        }
    }

    #[test]
    fn edges_and_kinds_follow_the_schema() {
        let own = schema("Ownership").unwrap();
        let e = own.edge.unwrap();
        assert_eq!(
            (e.source, e.target, e.link_type),
            ("owner", "asset", "OWNS")
        );
        assert_eq!(own.kind("startDate"), Some(Kind::Date));
        assert_eq!(own.kind("percentage"), Some(Kind::Number));
        assert_eq!(own.kind("role"), None);
        let company = schema("Company").unwrap();
        assert_eq!(
            company.labels,
            ["Company", "Organization", "LegalEntity", "Asset"]
        );
        assert_eq!(company.kind("addressEntity"), Some(Kind::Entity("Address")));
        assert!(schema("Sanction").unwrap().edge.is_none());
        assert!(schema("Nonsense").is_none());
    }
}
