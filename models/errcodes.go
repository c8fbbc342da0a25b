package models

// Error codes of the AbleCloud platform (PROTOCOL §3.10). Both the client and
// the local cloud use these names, so a code means the same on each side.
const (
	ErrInternal          = 3000
	ErrBadHeader         = 3001
	ErrInvalidParam      = 3002
	ErrUnsupported       = 3003
	ErrNotAllowed        = 3004
	ErrNoPermission      = 3005
	ErrBadURI            = 3006
	ErrMajorDomainAbsent = 3007
	ErrSubDomainAbsent   = 3008
	ErrServiceAbsent     = 3009
	ErrMethodAbsent      = 3010
	ErrServiceDown       = 3011
	ErrRequestTimeout    = 3012
	ErrNetwork           = 3013
	ErrSignatureExpired  = 3014
	ErrSignatureWrong    = 3015

	ErrAccountAbsent       = 3501
	ErrAccountExists       = 3502
	ErrAccountInvalid      = 3503
	ErrWrongPassword       = 3504
	ErrWrongVerifyCode     = 3505
	ErrVerifyCodeExpired   = 3506
	ErrInvalidEmail        = 3507
	ErrInvalidPhone        = 3508
	ErrAccountState        = 3509
	ErrAccountAlreadyBound = 3510
	ErrSecurityAuth        = 3511
	ErrAccountExtension    = 3512
	ErrRefreshTokenWrong   = 3514
	ErrAccessTokenExpired  = 3515
	ErrRefreshTokenExpired = 3516
	ErrProfileFieldExists  = 3517
	ErrProfileFieldAbsent  = 3518
	ErrGroupAbsent         = 3601
	ErrGroupExists         = 3602
	ErrGroupState          = 3603
	ErrMemberAbsent        = 3604
	ErrMemberExists        = 3605
	ErrMemberState         = 3606
	ErrBadMessageCode      = 3801
	ErrDeviceAbsent        = 3802
	ErrDeviceExists        = 3803
	ErrBadMessage          = 3804
	ErrBindCodeExpired     = 3805
	ErrBindCodeWrong       = 3806
	ErrDeviceOffline       = 3807
	ErrGatewayAbsent       = 3808
	ErrDeviceIsMaster      = 3809
	ErrMessageForSlave     = 3810
	ErrDeviceAlreadyBound  = 3811
	ErrDeviceNotBound      = 3812
	ErrDeviceState         = 3813
	ErrDeviceTimeout       = 3814
	ErrShareCodeAbsent     = 3815
	ErrShareCodeInvalid    = 3816
	ErrShareCodeExpired    = 3817
	ErrBindTimeout         = 3818
	ErrOwnerAbsent         = 3819
	ErrGatewayMismatch     = 3820
	ErrOwnerMismatch       = 3821
	ErrDeviceNotActivated  = 3822
	ErrOTANoNewVersion     = 4101
	ErrOTAConfirmExpired   = 4102
	ErrOTAIgnoreExpired    = 4103
	ErrTaskExpired         = 4401
	ErrTaskAbsent          = 4402
	ErrTaskStateInvalid    = 4403
)

var errorText = map[int]string{
	3000: "internal error in the cloud",
	3001: "request header error (a required X-Zc header is missing or malformed)",
	3002: "invalid parameter",
	3003: "unsupported request",
	3004: "request not allowed",
	3005: "no permission for this operation",
	3006: "bad URI (expected /{service}/v{n}/{method})",
	3007: "major domain does not exist",
	3008: "sub-domain (product) does not exist",
	3009: "service does not exist",
	3010: "method does not exist",
	3011: "service unavailable, try again",
	3012: "request timed out, try again",
	3013: "network error, try again",
	3014: "signature expired (check the clock of this machine)",
	3015: "signature wrong (check developer id, access key and secret key)",
	3501: "account does not exist",
	3502: "account already exists",
	3503: "account invalid",
	3504: "wrong password",
	3505: "wrong verify code",
	3506: "verify code expired, send a new one",
	3507: "invalid email address",
	3508: "invalid phone number",
	3509: "account state abnormal",
	3510: "account already bound",
	3511: "security authentication failed",
	3512: "account extension error",
	3514: "refresh token wrong, log in again",
	3515: "access token expired, refresh it",
	3516: "refresh token expired, log in again",
	3517: "profile field already exists",
	3518: "profile field does not exist",
	3601: "home or room does not exist",
	3602: "home or room already exists",
	3603: "home or room state abnormal",
	3604: "member does not exist",
	3605: "member already exists",
	3606: "member state abnormal",
	3801: "invalid device message code",
	3802: "device does not exist or is not bound to this user",
	3803: "device already exists",
	3804: "invalid message",
	3805: "bind code expired",
	3806: "bind code wrong",
	3807: "device offline",
	3808: "gateway does not exist",
	3809: "device is a gateway",
	3810: "message is for a sub-device",
	3811: "device already bound (ask the owner for a share code)",
	3812: "device not bound",
	3813: "device state abnormal",
	3814: "device did not answer in time",
	3815: "share code does not exist",
	3816: "share code invalid",
	3817: "share code expired, ask the owner for a new one",
	3818: "bind timed out",
	3819: "device owner does not exist",
	3820: "gateway mismatch",
	3821: "only the owner may do this",
	3822: "device not activated (not in the warehouse)",
	4101: "no new firmware version",
	4102: "upgrade confirmation expired",
	4103: "upgrade ignore expired",
	4401: "timer task expired",
	4402: "timer task does not exist",
	4403: "timer task state invalid for this operation",
}

// ErrorText is a message a person can act on for an AbleCloud error code.
func ErrorText(code int) string {
	if s, ok := errorText[code]; ok {
		return s
	}
	switch {
	case code >= 3901 && code <= 3905:
		return "file store error"
	case code >= 3920 && code <= 3930:
		return "data store error"
	case code >= 4001 && code <= 4011:
		return "push notification error"
	case (code >= 1000 && code <= 2000) || code > 10000:
		return "error from the vendor's cloud service"
	}
	return "unknown error"
}

// ErrorCodes lists every code ErrorText has a specific message for.
func ErrorCodes() []int {
	out := make([]int, 0, len(errorText))
	for c := range errorText {
		out = append(out, c)
	}
	return out
}
