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
	ErrInternal:            "internal error in the cloud",
	ErrBadHeader:           "request header error (a required X-Zc header is missing or malformed)",
	ErrInvalidParam:        "invalid parameter",
	ErrUnsupported:         "unsupported request",
	ErrNotAllowed:          "request not allowed",
	ErrNoPermission:        "no permission for this operation",
	ErrBadURI:              "bad URI (expected /{service}/v{n}/{method})",
	ErrMajorDomainAbsent:   "major domain does not exist",
	ErrSubDomainAbsent:     "sub-domain (product) does not exist",
	ErrServiceAbsent:       "service does not exist",
	ErrMethodAbsent:        "method does not exist",
	ErrServiceDown:         "service unavailable, try again",
	ErrRequestTimeout:      "request timed out, try again",
	ErrNetwork:             "network error, try again",
	ErrSignatureExpired:    "signature expired (check the clock of this machine)",
	ErrSignatureWrong:      "signature wrong (check developer id, access key and secret key)",
	ErrAccountAbsent:       "account does not exist",
	ErrAccountExists:       "account already exists",
	ErrAccountInvalid:      "account invalid",
	ErrWrongPassword:       "wrong password",
	ErrWrongVerifyCode:     "wrong verify code",
	ErrVerifyCodeExpired:   "verify code expired, send a new one",
	ErrInvalidEmail:        "invalid email address",
	ErrInvalidPhone:        "invalid phone number",
	ErrAccountState:        "account state abnormal",
	ErrAccountAlreadyBound: "account already bound",
	ErrSecurityAuth:        "security authentication failed",
	ErrAccountExtension:    "account extension error",
	ErrRefreshTokenWrong:   "refresh token wrong, log in again",
	ErrAccessTokenExpired:  "access token expired, refresh it",
	ErrRefreshTokenExpired: "refresh token expired, log in again",
	ErrProfileFieldExists:  "profile field already exists",
	ErrProfileFieldAbsent:  "profile field does not exist",
	ErrGroupAbsent:         "home or room does not exist",
	ErrGroupExists:         "home or room already exists",
	ErrGroupState:          "home or room state abnormal",
	ErrMemberAbsent:        "member does not exist",
	ErrMemberExists:        "member already exists",
	ErrMemberState:         "member state abnormal",
	ErrBadMessageCode:      "invalid device message code",
	ErrDeviceAbsent:        "device does not exist or is not bound to this user",
	ErrDeviceExists:        "device already exists",
	ErrBadMessage:          "invalid message",
	ErrBindCodeExpired:     "bind code expired",
	ErrBindCodeWrong:       "bind code wrong",
	ErrDeviceOffline:       "device offline",
	ErrGatewayAbsent:       "gateway does not exist",
	ErrDeviceIsMaster:      "device is a gateway",
	ErrMessageForSlave:     "message is for a sub-device",
	ErrDeviceAlreadyBound:  "device already bound (ask the owner for a share code)",
	ErrDeviceNotBound:      "device not bound",
	ErrDeviceState:         "device state abnormal",
	ErrDeviceTimeout:       "device did not answer in time",
	ErrShareCodeAbsent:     "share code does not exist",
	ErrShareCodeInvalid:    "share code invalid",
	ErrShareCodeExpired:    "share code expired, ask the owner for a new one",
	ErrBindTimeout:         "bind timed out",
	ErrOwnerAbsent:         "device owner does not exist",
	ErrGatewayMismatch:     "gateway mismatch",
	ErrOwnerMismatch:       "only the owner may do this",
	ErrDeviceNotActivated:  "device not activated (not in the warehouse)",
	ErrOTANoNewVersion:     "no new firmware version",
	ErrOTAConfirmExpired:   "upgrade confirmation expired",
	ErrOTAIgnoreExpired:    "upgrade ignore expired",
	ErrTaskExpired:         "timer task expired",
	ErrTaskAbsent:          "timer task does not exist",
	ErrTaskStateInvalid:    "timer task state invalid for this operation",
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
