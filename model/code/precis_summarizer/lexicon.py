"""Word lists for key phrases and named things: written for precis, small, and shipped with the code."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: a key phrase never starts, ends or runs through one.
STOP_WORDS = _words(
    """
    a about above across after afterwards again against all almost alone along already also although
    always am among amongst an and another any anyhow anyone anything anyway anywhere are around as at
    be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond both but by can cannot could did do does doing done down due during each either else
    elsewhere enough etc even ever every everyone everything everywhere except few first for former
    formerly from further had has have having he hence her here hereafter hereby herein hers herself him
    himself his how however i if in inc indeed into is it its itself just last latter least less let
    like made make makes many may me meanwhile might mine more moreover most mostly much must my myself
    namely neither never nevertheless next no nobody none noone nor not nothing now nowhere of off often
    on once one only onto or other others otherwise our ours ourselves out over own per perhaps please
    put rather re same say says said see seem seemed seeming seems several she should since so some
    somehow someone something sometime sometimes somewhere still such than that the their theirs them
    themselves then thence there thereafter thereby therefore therein thereupon these they this those
    though through throughout thru thus to together too toward towards under until up upon us very via
    was we well were what whatever when whence whenever where whereafter whereas whereby wherein whereupon
    wherever whether which while whither who whoever whole whom whose why will with within without would
    yet you your yours yourself yourselves mr mrs ms dr prof st vs eg ie per cent two three four five six
    seven eight nine ten twenty hundred thousand million billion told tell according asked added including
    new use used using get got go goes going went take taken takes took give given gives come came comes
    know known think want wants wanted way ways put puts set sets show shows shown showed found find
    finds called call calls told says going despite around although whose toward able unable likely
    eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen thirty forty fifty
    monday tuesday wednesday thursday friday saturday sunday january february march april june july
    august september october november december bn mn tn k kw kwh mw mwh gw gwh nok eur usd gbp sek dkk
    chf jpy cny euro euros dollar dollars pound pounds krone kroner
    need needs needed expects expected rose fell rises falls plans planned aims aimed hopes hoped seeks
    sought begins began feeds pays paid sells sold installs installed buys bought spends spent keeps
    kept remains remained becomes helps helped allows allowed leads wins won loses lost warns warned
    """
)

# Words a report uses whatever it is about: they weigh less in a key phrase.
GENERIC_WORDS = _words(
    """
    year years month months week weeks day days time times today yesterday tomorrow percent percentage
    number numbers level levels rate rates part parts people person thing things lot lots group groups
    area areas case cases point points fact result results report reports change changes increase
    increases decrease figure figures data end start beginning total average high low large small big
    major main key important good better best bad worse worst per other others different similar second
    third half quarter people's way issue issues problem problems question questions term terms place
    places side sides kind kinds type types form forms example examples order basis range share shares
    value values amount amounts use effect effects study studies analysis paper table section note notes
    summary page pages line lines list item items information detail details work works plan plans
    company companies firm firms market markets business government people public official officials
    spokesperson spokesman spokeswoman statement statements news article articles story stories
    """
)

# Named-thing cues ------------------------------------------------------------------------------------

HONORIFICS = _words(
    "Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady Rev Judge Justice Senator Rep Mayor Councillor"
)

# Role words: "Ana Silva, chief executive", "the economist Ana Silva".
ROLES = _words(
    """
    chief executive director head minister professor analyst spokesperson spokeswoman spokesman secretary
    president chair chairman chairwoman founder manager officer researcher author mayor councillor lead
    investigator consultant doctor economist engineer editor reporter scientist governor commissioner
    strategist partner principal lecturer nurse surgeon physician clinician chancellor deputy treasurer
    """
)

SPEECH_VERBS = _words("said says told added explained warned noted argued wrote according")

ORG_WORDS = _words(
    """
    Inc Inc. Ltd Ltd. plc PLC Corp Corp. Corporation Company Co Co. Group Holdings Systems Bank Banks
    University College Institute Agency Ministry Council Authority Association Trust Fund Partners Capital
    Energy Technologies Technology Labs Laboratories Foundation Committee Commission Service Services
    Department Hospital Hospitals Society Federation Union Board Office Industries Industries Mills Mill
    Motors Airlines Airways Pharmaceuticals Pharma Therapeutics Biosciences Networks Media Press Records
    Securities Investments Insurance Reserve Exchange Organisation Organization Party Police Army Navy
    Court Parliament Congress Senate Assembly Centre Center School Academy Clinic Consortium Alliance
    Cooperative Co-operative LLC LLP GmbH AG SA NV Network Laboratory Research Solutions Grid Power
    Utilities Water Works Foods Retail Stores Logistics Shipping Railways Rail
    """
)

PLACE_WORDS = _words(
    """
    County District Province Region Valley City Town Village Street Road Avenue Bay Island Islands
    Mountains Mountain Lake Sea Ocean River Republic Kingdom Shire Port Harbour Harbor Estuary Coast
    Peninsula Highlands Lowlands State States Territory Borough Parish Heights Park Square Bridge Hills
    Firth Loch Strait Channel Sound Fjord Gulf Forest Desert Plain Plains Basin Delta Canal
    """
)

PLACE_PREPOSITIONS = _words("in at near across throughout outside around")

# Countries, continents and large regions, so a lone name is placed without a cue.
PLACES = _words(
    """
    Africa Asia Europe America Americas Antarctica Oceania Australia Arctic Scandinavia Caribbean Balkans
    Afghanistan Albania Algeria Andorra Angola Argentina Armenia Austria Azerbaijan Bahamas Bahrain
    Bangladesh Barbados Belarus Belgium Belize Benin Bhutan Bolivia Bosnia Botswana Brazil Brunei Bulgaria
    Burundi Cambodia Cameroon Canada Chad Chile China Colombia Congo Croatia Cuba Cyprus Czechia Denmark
    Djibouti Dominica Ecuador Egypt Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia
    Georgia Germany Ghana Greece Grenada Guatemala Guinea Guyana Haiti Honduras Hungary Iceland India
    Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan Jordan Kazakhstan Kenya Kiribati Kosovo Kuwait
    Kyrgyzstan Laos Latvia Lebanon Lesotho Liberia Libya Liechtenstein Lithuania Luxembourg Madagascar
    Malawi Malaysia Maldives Mali Malta Mauritania Mauritius Mexico Moldova Monaco Mongolia Montenegro
    Morocco Mozambique Myanmar Namibia Nauru Nepal Netherlands Nicaragua Niger Nigeria Norway Oman
    Pakistan Palau Palestine Panama Paraguay Peru Philippines Poland Portugal Qatar Romania Russia Rwanda
    Samoa Senegal Serbia Seychelles Singapore Slovakia Slovenia Somalia Spain Sudan Suriname Sweden
    Switzerland Syria Taiwan Tajikistan Tanzania Thailand Togo Tonga Tunisia Turkey Turkmenistan Tuvalu
    Uganda Ukraine Uruguay Uzbekistan Vanuatu Venezuela Vietnam Yemen Zambia Zimbabwe England Scotland
    Wales Britain UK US USA EU London Paris Berlin Madrid Rome Tokyo Beijing Shanghai Delhi Mumbai Moscow
    Washington Brussels Amsterdam Oslo Stockholm Copenhagen Helsinki Dublin Vienna Zurich Geneva Frankfurt
    Munich Hamburg Milan Lisbon Warsaw Prague Budapest Athens Istanbul Cairo Lagos Nairobi Johannesburg
    Sydney Melbourne Toronto Vancouver Montreal Chicago Boston Seattle Texas California Florida Bergen
    Edinburgh Glasgow Manchester Birmingham Liverpool Leeds Bristol Cardiff Belfast Hong Kong Singapore
    Mediterranean Atlantic Pacific
    """
)

# Exchanges whose "EXCHANGE: SYMBOL" names a ticker.
EXCHANGES = _words("NYSE NASDAQ Nasdaq LSE AMEX TSX ASX OSE Oslo XETRA Euronext OTC HKEX SGX JSE BME SIX")

# Words that name a product when a capitalized name precedes them ("the Aurora platform").
PRODUCT_WORDS = _words(
    """
    platform app application software device drug vaccine model engine tablet phone system tool
    service chip processor turbine vehicle car aircraft inhibitor therapy treatment brand range
    """
)
# Generic drug names end in these (lumerostat, ...mab, ...nib).
DRUG_SUFFIXES = (
    "mab",
    "nib",
    "stat",
    "vir",
    "prazole",
    "sartan",
    "olol",
    "pril",
    "mycin",
    "cillin",
    "gliflozin",
)

# Capitalized words that open sentences or headings without naming anything.
NOT_NAMES = _words(
    """
    The A An This That These Those It Its In On At For From By With And But Or If When While After
    Before During Since Until Although Because As Of To Into Over Under About Between Among Across
    He She They We You I Our Their His Her My Your There Here What Which Who Whom Whose Why How Where
    Some Many Most All Each Every Both Either Neither No Not One Two Three Four Five Six Seven Eight
    Nine Ten First Second Third Last Next Other Another Such Several More Less Few Much Also
    Yet Still Even Only Just Then Now Today Yesterday Tomorrow However Meanwhile Moreover Furthermore
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Table Figure Section Chapter Appendix Note Notes
    Summary Abstract Introduction Methods Results Discussion Conclusion Conclusions Background Key
    Points Findings Overview Week Source Sources Data Analysis Total Average Per Cent Percent Q1 Q2 Q3 Q4
    Mr Mrs Ms Dr Prof Professor Sir Dame Chief Executive Director Head Minister President
    """
)
