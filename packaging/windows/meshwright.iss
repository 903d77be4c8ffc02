; Inno Setup script for the Windows installer: Start-menu entry, uninstaller, optional .glb/.gltf association.
; Build after PyInstaller (dist\Meshwright\); the version comes from pyproject.toml through the command line:
;   iscc /DAppVersion=0.1.0 packaging\windows\meshwright.iss      (CI: .github/workflows/package.yml)
; Output: dist\Meshwright-<version>-windows-setup.exe. Per-user install by default (no administrator needed).
; Signing: add a SignTool line (Inno's [Setup] SignTool=...) once a code-signing certificate exists; unsigned
; installers show a SmartScreen "unrecognised app" warning (README, Install).

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z meshwright.iss
#endif

[Setup]
AppId={{6E0C4F7B-3B4A-4D43-9B6E-2F6C7D0A9E11}
AppName=Meshwright
AppVersion={#AppVersion}
AppVerName=Meshwright {#AppVersion}
AppPublisher=Meshwright
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Meshwright
DefaultGroupName=Meshwright
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Meshwright-{#AppVersion}-windows-setup
SetupIconFile=..\..\resources\icons\meshwright.ico
UninstallDisplayIcon={app}\Meshwright.exe
UninstallDisplayName=Meshwright
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "associate"; Description: "Open .glb and .gltf 3D models with Meshwright"; GroupDescription: "File types:"

[Files]
Source: "..\..\dist\Meshwright\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Meshwright"; Filename: "{app}\Meshwright.exe"
Name: "{group}\Uninstall Meshwright"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Meshwright"; Filename: "{app}\Meshwright.exe"; Tasks: desktopicon

[Registry]
; HKA = HKLM for an all-users install, HKCU for a per-user one. "Open with" entries, removed on uninstall.
Root: HKA; Subkey: "Software\Classes\Meshwright.Model"; ValueType: string; ValueName: ""; ValueData: "3D model"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Meshwright.Model\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Meshwright.exe,0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Meshwright.Model\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Meshwright.exe"" ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.glb\OpenWithProgids"; ValueType: string; ValueName: "Meshwright.Model"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.gltf\OpenWithProgids"; ValueType: string; ValueName: "Meshwright.Model"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Applications\Meshwright.exe\SupportedTypes"; ValueType: string; ValueName: ".glb"; ValueData: ""; Flags: uninsdeletekey; Tasks: associate

[Run]
Filename: "{app}\Meshwright.exe"; Description: "{cm:LaunchProgram,Meshwright}"; Flags: nowait postinstall skipifsilent
